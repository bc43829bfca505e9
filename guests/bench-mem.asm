; bench-mem — paging/memory-heavy workload for `npm run bench`.
; Flat 32-bit protected mode at 0x100000. Builds 4 KiB page tables identity-mapping 32 MiB,
; turns paging on, then repeatedly: touches one dword in each of 6144 pages (24 MiB, so TLB
; misses and page walks dominate), copies 64 KiB blocks between distant pages with REP MOVSD,
; sums them, and reloads CR3 every round (a full non-global TLB flush, as a context switch does).

        bits 32
        org 0x100000
ROUNDS  equ 1000000
PD      equ 0x101000 + 0x0ff000            ; page directory at 0x200000
PT      equ 0x201000                       ; 8 page tables follow it
DATA    equ 0x400000
PAGES   equ 6144

start:  mov esp, 0x1f0000
        ; page directory: 8 entries → 8 page tables (32 MiB)
        mov edi, PD
        mov ecx, 1024
        xor eax, eax
        rep stosd
        mov edi, PD
        mov eax, PT | 3
        mov ecx, 8
.pde:   stosd
        add eax, 0x1000
        loop .pde
        ; page tables: identity, present + writable
        mov edi, PT
        mov eax, 3
        mov ecx, 8 * 1024
.pte:   stosd
        add eax, 0x1000
        loop .pte
        mov eax, PD
        mov cr3, eax
        mov eax, cr0
        or eax, 0x80000000
        mov cr0, eax

        xor ebp, ebp
        mov ecx, ROUNDS
round:  push ecx
        ; touch one dword per page, stride 4 KiB + 64 (so offsets rotate through the page)
        mov esi, DATA
        mov ecx, PAGES
        xor edx, edx
.touch: mov eax, [esi + edx]
        add eax, ecx
        mov [esi + edx], eax
        add ebp, eax
        add esi, 0x1000
        add edx, 64
        and edx, 0xfc0
        dec ecx
        jnz .touch
        ; copy 64 KiB from the bottom of DATA to 16 MiB above it, then sum the copy
        mov esi, DATA
        mov edi, DATA + 0x1000000
        mov ecx, 16384
        cld
        rep movsd
        mov esi, DATA + 0x1000000
        mov ecx, 16384
.sum:   lodsd
        add ebp, eax
        loop .sum
        mov eax, cr3                        ; flush the TLB like a context switch
        mov cr3, eax
        pop ecx
        dec ecx
        jnz round
        mov eax, ebp
        mov dx, 0xe9
        out dx, eax
        hlt
