; sys-debug — debug exceptions through the IDT (SDM Vol.3 17.2, 17.3.1, 17.3.1.1 on RF).
; The #DB handler reports DR6 (tag 0x01), the pushed EIP (0x80) and the pushed EFLAGS.RF (0x81),
; clears DR6's B bits, sets RF in the frame (so a breakpointed instruction restarts once) and
; clears TF in the frame. Other tags: 0xA0 instructions executed at a breakpointed address.

%macro GDT_EXTRA 0
%endmacro
%include "pm-lib.inc"

main:   mov si, KCODE
        mov dx, 0x8e00
        mov ecx, 1
        mov eax, h_db
        call set_gate

        ; ---- instruction breakpoint (DR0, RW=00 LEN=00) on an instruction run twice ----
        mov eax, target
        mov dr0, eax
        mov eax, 0x401                  ; L0
        mov dr7, eax
        xor edi, edi
        mov esi, 2
bp_loop:
target: inc edi                         ; #DB before each execution; RF lets it run after IRETD
        dec esi
        jnz bp_loop
        mov eax, 0x400
        mov dr7, eax
        mov eax, edi
        mov bl, 0xa0
        call report

        ; ---- data write breakpoint (DR1, RW=01 LEN=11: 4 bytes) ----
        mov eax, var
        mov dr1, eax
        mov eax, 0x400 | (1 << 2) | (1 << 20) | (3 << 22)
        mov dr7, eax
        mov eax, [var]                  ; a read: no trap
        mov word [var + 2], 7           ; a write into the range: trap after it
after_write:
        mov eax, 0x400
        mov dr7, eax

        ; ---- single step: TF set by POPFD traps after the next instruction ----
        pushfd
        or dword [esp], 0x100
        popfd
        nop
after_nop:
        nop
        ret

h_db:   mov eax, dr6
        mov bl, 0x01
        call report
        mov eax, [esp]
        mov bl, 0x80
        call report
        mov eax, [esp + 8]
        and eax, 0x10000
        mov bl, 0x81
        call report
        xor eax, eax
        mov dr6, eax
        or dword [esp + 8], 0x10000
        and dword [esp + 8], ~0x100
        iretd

        align 4
var:    dd 0
