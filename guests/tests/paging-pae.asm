; paging-pae — PAE paging (SDM Vol.3 4.4): 4 KiB and 2 MiB pages, A/D bits, reserved-bit #PF
; (RSVD), not-present PDPTE, PDPTE reserved bits → #GP on MOV CR3, PDPTEs held in registers
; until the next CR3 load. Linear 0-4 MiB stays identity-mapped (PT for 0-2 MiB, a 2 MiB page above).
; Tags: 0x0E/0x82/0x80 #PF (paging-lib), 0x0D/0x8D #GP error code and EIP, 0xB0.. values.

%macro GDT_EXTRA 0
%endmacro
%include "pm-lib.inc"
%include "paging-lib.inc"

PDPT    equ 0x205000
PDPT_BAD equ 0x205020
PDA0    equ 0x206000                    ; page directory for 0-1 GiB
PTA0    equ 0x207000                    ; page table for 0-2 MiB
PDA1    equ 0x208000                    ; page directory for 1-2 GiB (0x40000000)
PTA1    equ 0x209000                    ; page table for 0x40000000-0x401fffff

main:   call set_pf_handler
        mov si, KCODE
        mov dx, 0x8e00
        mov ecx, 13
        mov eax, h_gp
        call set_gate
        mov dword [0x320000], 0x600d0001
        mov edi, PDPT
        mov ecx, (0x20a000 - PDPT) / 4
        xor eax, eax
        rep stosd
        mov edi, PTA0
        mov eax, PG_P | PG_RW | PG_US
        mov ecx, 512
.l:     mov [edi], eax
        add edi, 8
        add eax, 0x1000
        loop .l
        mov dword [PDA0], PTA0 | PG_P | PG_RW | PG_US
        mov dword [PDA0 + 8], 0x200000 | PG_P | PG_RW | PG_US | PG_PS
        mov dword [PDPT], PDA0 | PG_P
        mov dword [PDPT + 8], PDA1 | PG_P
        mov dword [PDA1], PTA1 | PG_P | PG_RW
        mov dword [PTA1], 0x320000 | PG_P | PG_RW                       ; 0x40000000
        mov dword [PTA1 + 16], 0x320000 | PG_P | PG_RW                  ; 0x40002000, bit 40 set:
        mov dword [PTA1 + 20], 0x100                                    ;   reserved (MAXPHYADDR 36)
        mov dword [PDA1 + 8], 0x200000 | PG_P | PG_RW | PG_PS          ; 0x40200000: 2 MiB page
        mov dword [PDA1 + 16], 0x200000 | PG_P | PG_RW | PG_PS | 0x2000 ; 0x40400000: bit 13 reserved
        mov dword [PDPT_BAD], PDA0 | PG_P | 2                           ; bit 1 reserved in a PDPTE

        mov eax, PDPT
        mov cr3, eax
        mov eax, cr4
        or eax, 0x20                    ; PAE
        mov cr4, eax
        mov eax, cr0
        or eax, 0x80000000              ; PG: loads the PDPTEs
        mov cr0, eax

        REPORT 0xb0, [0x40000000]       ; 4 KiB page → 0x320000
        REPORT 0xb1, [PTA1]             ; A set, D clear
        mov dword [0x40000004], 9
        REPORT 0xb2, [PTA1]             ; D set
        REPORT 0xb3, [PDA1]             ; A set in the PDE
        REPORT 0xb4, [0x40200000 + 0x120000]    ; 2 MiB page → 0x200000 + 0x120000
        REPORT 0xb5, [PDA1 + 8]         ; A set in the 2 MiB PDE

        mov dword [resume], .r1
.f1:    mov eax, [0x40001000]           ; PTE not present: 0
.r1:    mov dword [resume], .r2
.f2:    mov eax, [0x40002000]           ; PTE bit 40 set: P|RSVD
.r2:    mov dword [resume], .r3
.f3:    mov byte [0x40400000], 1        ; 2 MiB PDE bit 13 set: P|W|RSVD
.r3:    mov dword [resume], .r4
.f4:    mov eax, [0x80000000]           ; PDPTE 2 not present: 0
.r4:    mov dword [resume], .r5
        mov eax, PDPT_BAD
.f5:    mov cr3, eax                    ; reserved PDPTE bit → #GP(0), CR3 unchanged
.r5:    mov eax, cr3
        mov bl, 0xb6
        call report

        ; PDPTEs live in registers: clearing PDPTE 1 in memory changes nothing until CR3 is loaded.
        mov dword [PDPT + 8], 0
        invlpg [0x40000000]
        REPORT 0xb7, [0x40000000]
        mov eax, cr3
        mov cr3, eax
        mov dword [resume], .r6
.f6:    mov eax, [0x40000000]           ; now not present at the PDPTE: 0
.r6:    ret

h_gp:   pop eax
        mov bl, 0x0d
        call report
        mov eax, [esp]
        mov bl, 0x8d
        call report
        mov eax, [resume]
        mov [esp], eax
        iretd
