; sys-sysenter — SYSEXIT to ring 3 and SYSENTER back, with the flat segments IA32_SYSENTER_CS
; implies (SDM Vol.2 SYSENTER, SYSEXIT): CS = SYSENTER_CS, SS = +8 at CPL 0; CS = +16|3,
; SS = +24|3 at CPL 3. pm-lib's GDT has exactly that layout from KCODE = 0x08.
; Tags: 0xA0.. ring 3 after SYSEXIT (CS SS ESP), 0xB0.. ring 0 after SYSENTER (CS SS ESP EFLAGS.IF, MSR readback).

%macro GDT_EXTRA 0
%endmacro
%include "pm-lib.inc"

SYS_ESP equ KSTACK - 0x400

main:   mov si, KCODE
        mov dx, 0xee00                  ; INT 0x42 from ring 3 finishes
        mov ecx, 0x42
        mov eax, h_done
        call set_gate
        xor edx, edx
        mov ecx, 0x174
        mov eax, KCODE
        wrmsr
        mov ecx, 0x175
        mov eax, SYS_ESP
        wrmsr
        mov ecx, 0x176
        mov eax, kentry
        wrmsr
        pushfd
        or dword [esp], 0x3000          ; IOPL 3: ring 3 may report
        popfd
        mov edx, user
        mov ecx, USTACK
        sysexit

user:   mov eax, cs
        mov bl, 0xa0
        call report
        mov eax, ss
        mov bl, 0xa1
        call report
        mov eax, esp
        mov bl, 0xa2
        call report
        sti
        sysenter

kentry: mov eax, cs
        mov bl, 0xb0
        call report
        mov eax, ss
        mov bl, 0xb1
        call report
        mov eax, esp
        mov bl, 0xb2
        call report
        pushfd
        pop eax
        and eax, 0x200
        mov bl, 0xb3
        call report
        mov ecx, 0x176
        rdmsr
        mov bl, 0xb4
        call report
        mov edx, user2
        mov ecx, USTACK - 0x10
        sysexit

user2:  mov eax, esp
        mov bl, 0xa3
        call report
        int 0x42

h_done: jmp finish
