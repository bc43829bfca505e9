; bench-int — integer-heavy CPU workload for `npm run bench`.
; Flat 32-bit protected mode, loaded at 0x100000 and entered there with flat segments.
; Each round: a sieve of Eratosthenes over 64 KiB, a bitwise CRC-32 over 4 KiB, and a
; multiply/divide/shift mix. Runs ROUNDS rounds, writes the checksum to port 0xe9 and halts.

        bits 32
        org 0x100000
ROUNDS  equ 1000000
SIEVE   equ 0x200000
BUF     equ 0x220000
N       equ 65536

start:  mov esp, 0x1f0000
        xor ebp, ebp                        ; running checksum
        mov ecx, ROUNDS
round:  push ecx
        ; --- sieve ---
        mov edi, SIEVE
        mov ecx, N / 4
        mov eax, 0x01010101
        rep stosd
        mov ebx, 2
.outer: mov eax, ebx
        mul ebx
        cmp eax, N
        jae .count
        cmp byte [SIEVE + ebx], 0
        je .next
.mark:  mov byte [SIEVE + eax], 0
        add eax, ebx
        cmp eax, N
        jb .mark
.next:  inc ebx
        jmp .outer
.count: xor eax, eax
        mov esi, SIEVE + 2
        mov ecx, N - 2
.cnt:   movzx edx, byte [esi]
        add eax, edx
        inc esi
        dec ecx
        jnz .cnt
        add ebp, eax
        ; --- CRC-32 (bitwise, reflected polynomial 0xEDB88320) over BUF ---
        mov esi, BUF
        mov ecx, 4096
        mov eax, 0xffffffff
.byte:  movzx edx, byte [esi]
        xor dl, cl
        mov [esi], dl
        xor al, dl
        mov edx, 8
.bit:   shr eax, 1
        jnc .nox
        xor eax, 0xedb88320
.nox:   dec edx
        jnz .bit
        inc esi
        loop .byte
        not eax
        xor ebp, eax
        ; --- arithmetic mix ---
        mov ecx, 2000
        mov eax, 12345
.mix:   imul eax, eax, 1103515245
        add eax, 12345
        mov ebx, eax
        shr ebx, 16
        or ebx, 1
        xor edx, edx
        div ebx
        rol eax, 5
        add ebp, edx
        lea eax, [eax + edx*4 + 7]
        dec ecx
        jnz .mix
        pop ecx
        dec ecx
        jnz round
        mov eax, ebp
        mov dx, 0xe9
        out dx, eax
        hlt
