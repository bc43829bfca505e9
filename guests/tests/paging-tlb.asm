; paging-tlb — accessed/dirty bits, 4 MiB pages, and what the TLB keeps (SDM Vol.3 4.8, 4.3, 4.10).
; Physical frames: 0x320000 holds 0x600d0001, 0x321000 holds 0xaaaa0000, 0x322000 holds 0xbbbb0000.
; Record tags: 0xB0.. A/D bits, 0xC0.. 4 MiB page, 0xD0.. stale translation and INVLPG,
; 0xE0.. global pages, 0xF0.. INVLPG inside a global 4 MiB page.

%macro GDT_EXTRA 0
%endmacro
%include "pm-lib.inc"
%include "paging-lib.inc"

%macro FLUSH_CR3 0
        mov eax, cr3
        mov cr3, eax
%endmacro

main:   call set_pf_handler
        call paging_identity
        mov dword [0x320000], 0x600d0001
        mov dword [0x321000], 0xaaaa0000
        mov dword [0x322000], 0xbbbb0000

        ; ---- A/D: PDE 3 (0xC00000) → PT3 → frame 0x320000, A and D clear ----
        mov dword [PD + 12], PT3 | PG_P | PG_RW
        mov dword [PT3], 0x320000 | PG_P | PG_RW
        REPORT 0xb0, [PD + 12]
        REPORT 0xb1, [0xc00000]         ; a read sets A in the PDE and the PTE, not D
        REPORT 0xb2, [PD + 12]
        REPORT 0xb3, [PT3]
        mov dword [0xc00004], 5         ; a write sets D in the PTE
        REPORT 0xb4, [PT3]
        REPORT 0xb5, [PD + 12]          ; a PDE that references a page table never gets D

        ; ---- 4 MiB page: CR4.PSE, PDE 4 (0x1000000) → physical 0 with PS=1 ----
        mov eax, cr4
        or eax, 0x10
        mov cr4, eax
        mov dword [PD + 16], 0 | PG_P | PG_RW | PG_PS
        REPORT 0xc0, [0x1000000 + 0x320000]
        REPORT 0xc1, [PD + 16]          ; A set in the PDE (it is the leaf)
        mov dword [0x1000000 + 0x320008], 0x77
        REPORT 0xc2, [PD + 16]          ; D set in the PDE
        REPORT 0xc3, [0x320008]         ; the same physical byte through the identity map

        ; ---- a changed PTE without INVLPG: the old translation may stay in use ----
        mov dword [PD + 8], PT2 | PG_P | PG_RW
        mov dword [PT2], 0x321000 | PG_P | PG_RW
        REPORT 0xd0, [0x800000]
        mov dword [PT2], 0x322000 | PG_P | PG_RW
        REPORT 0xd1, [0x800000]         ; stale: still frame 0x321000
        invlpg [0x800000]
        REPORT 0xd2, [0x800000]         ; after INVLPG: frame 0x322000

        ; ---- global pages (CR4.PGE) ----
        mov eax, cr4
        or eax, 0x80
        mov cr4, eax
        mov dword [PT2 + 4], 0x321000 | PG_P | PG_RW | PG_G     ; 0x801000 global
        mov dword [PT2 + 8], 0x321000 | PG_P | PG_RW            ; 0x802000 not global
        mov eax, [0x801000]
        mov eax, [0x802000]
        mov dword [PT2 + 4], 0x322000 | PG_P | PG_RW | PG_G
        mov dword [PT2 + 8], 0x322000 | PG_P | PG_RW
        FLUSH_CR3
        REPORT 0xe0, [0x801000]         ; global: survives the CR3 load
        REPORT 0xe1, [0x802000]         ; not global: dropped
        invlpg [0x801000]
        REPORT 0xe2, [0x801000]         ; INVLPG drops a global entry
        mov dword [PT2 + 4], 0x321000 | PG_P | PG_RW | PG_G
        invlpg [0x801000]
        REPORT 0xe3, [0x801000]
        mov dword [PT2 + 4], 0x322000 | PG_P | PG_RW | PG_G
        FLUSH_CR3
        REPORT 0xe4, [0x801000]         ; still the global entry
        mov eax, cr4
        and eax, ~0x80
        mov cr4, eax                    ; clearing CR4.PGE flushes everything
        REPORT 0xe5, [0x801000]
        mov dword [PT2 + 4], 0x321000 | PG_P | PG_RW | PG_G
        invlpg [0x801000]
        mov eax, [0x801000]
        mov dword [PT2 + 4], 0x322000 | PG_P | PG_RW | PG_G
        FLUSH_CR3
        REPORT 0xe6, [0x801000]         ; G is ignored while CR4.PGE=0: dropped by the CR3 load

        ; ---- INVLPG anywhere in a global 4 MiB page drops the whole page ----
        mov eax, cr4
        or eax, 0x80
        mov cr4, eax
        mov dword [PD + 20], 0 | PG_P | PG_RW | PG_PS | PG_G     ; 0x1400000 → physical 0
        mov eax, [0x1400000 + 0x321000]
        mov eax, [0x1400000 + 0x322000]
        mov dword [PD + 20], 0x400000 | PG_P | PG_RW | PG_PS | PG_G  ; → beyond RAM: reads all ones
        FLUSH_CR3
        REPORT 0xf0, [0x1400000 + 0x321000]     ; global: survives
        invlpg [0x1400000 + 0x100000]
        REPORT 0xf1, [0x1400000 + 0x321000]
        REPORT 0xf2, [0x1400000 + 0x322000]
        ret
