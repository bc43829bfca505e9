; Native x87 runner for the differential tests (test/diff/x87.diff.test.ts).
; Linux ELF32, no libc. stdin: u32 count, then count records of 192 bytes:
;   +0   108  FSAVE image (32-bit protected-mode layout) loaded with FRSTOR
;   +108 4    initial EFLAGS arithmetic bits (loaded with POPFD; other bits forced)
;   +112 32   memory operand area (ESI points at it while the snippet runs)
;   +144 48   code snippet, ending in RET
; stdout: count records of 192 bytes:
;   +0   108  FNSAVE image after the snippet   +108 4 EFLAGS after   +112 32 memory area after
;   +144 4    EAX after                          +148 44 zero
        bits 32
        global _start
RECSZ   equ 192
section .text
_start:
        ; read all of stdin into inbuf
        mov edi, inbuf
.rd:    mov eax, 3
        xor ebx, ebx
        mov ecx, edi
        mov edx, 65536
        int 0x80
        test eax, eax
        jle .rdone
        add edi, eax
        jmp .rd
.rdone: mov ebp, [inbuf]
        mov esi, inbuf + 4
        mov edi, outbuf
.loop:  test ebp, ebp
        jz .done
        ; copy the code snippet to the executable area
        push esi
        push edi
        lea esi, [esi + 144]
        mov edi, code
        mov ecx, 48
        rep movsb
        pop edi
        pop esi
        ; copy the memory area to the aligned operand area
        push esi
        push edi
        lea esi, [esi + 112]
        mov edi, memarea
        mov ecx, 32
        rep movsb
        pop edi
        pop esi
        mov [saveesi], esi
        mov [saveedi], edi
        frstor [esi]
        mov eax, [esi + 108]
        and eax, 0x8d5
        or eax, 2
        push eax
        popfd
        mov esi, memarea
        xor eax, eax
        call code
        mov esi, [saveedi]
        fnsave [esi]
        pushfd
        pop dword [esi + 108]
        mov [esi + 144], eax
        mov edi, esi
        add edi, 112
        mov esi, memarea
        mov ecx, 8
        rep movsd
        mov esi, [saveesi]
        mov edi, [saveedi]
        add esi, RECSZ
        add edi, RECSZ
        dec ebp
        jmp .loop
.done:  ; write outbuf
        mov ecx, outbuf
        mov edx, edi
        sub edx, ecx
.wr:    test edx, edx
        jz .exit
        mov eax, 4
        mov ebx, 1
        push ecx
        push edx
        int 0x80
        pop edx
        pop ecx
        test eax, eax
        jle .exit
        add ecx, eax
        sub edx, eax
        jmp .wr
.exit:  mov eax, 1
        xor ebx, ebx
        int 0x80

section .rwx progbits alloc exec write align=64
code:   times 64 db 0xc3

section .bss
alignb 64
memarea: resb 64
saveesi: resd 1
saveedi: resd 1
alignb 16
inbuf:  resb 4 * 1024 * 1024
outbuf: resb 4 * 1024 * 1024
