; echo — interrupt-driven serial echo, the input-replay demo: COM1 receive interrupts (IRQ 4
; through the 8259A) wake the guest from HLT; each byte is echoed upper-cased with the icount-free
; checksum kept in EBX; a '.' ends the run through the debug-exit port with the byte count.
; Loaded at 0x7c00, entered in real mode.

        bits 16
        org 0x7c00
COM1    equ 0x3f8

start:  cli
        xor ax, ax
        mov ds, ax
        mov ss, ax
        mov sp, 0x7c00
        mov word [0x0c*4], com1_irq        ; IVT[0x0c] = IRQ 4 with the PIC based at 0x08
        mov word [0x0c*4+2], 0
        ; 8259A master: ICW1..ICW4, vectors 0x08-0x0f, unmask IRQ4 only
        mov al, 0x11
        out 0x20, al
        mov al, 0x08
        out 0x21, al
        mov al, 0x04
        out 0x21, al
        mov al, 0x01
        out 0x21, al
        mov al, 0xef
        out 0x21, al
        ; 16550A: 115200 8N1, FIFO on, receive-data interrupt, OUT2 (IRQ gate) + DTR + RTS
        mov dx, COM1 + 3
        mov al, 0x80
        out dx, al
        mov dx, COM1
        mov al, 1
        out dx, al
        inc dx
        xor al, al
        out dx, al
        mov dx, COM1 + 3
        mov al, 0x03
        out dx, al
        mov dx, COM1 + 2
        mov al, 0x07
        out dx, al
        mov dx, COM1 + 4
        mov al, 0x0b
        out dx, al
        mov dx, COM1 + 1
        mov al, 0x01
        out dx, al
        xor ebx, ebx                        ; checksum
        xor cx, cx                          ; bytes echoed
        mov byte [done], 0
        sti
idle:   hlt
        cmp byte [done], 0
        je idle
        mov ax, cx
        mov dx, 0xf4
        out dx, al
        hlt

com1_irq:
        push ax
        push dx
.next:  mov dx, COM1 + 5
        in al, dx
        test al, 1                          ; LSR.DR
        jz .out
        mov dx, COM1
        in al, dx
        cmp al, '.'
        jne .echo
        mov byte [done], 1
.echo:  cmp al, 'a'
        jb .put
        cmp al, 'z'
        ja .put
        sub al, 0x20
.put:   out dx, al
        rol ebx, 5
        xor bl, al
        inc cx
        jmp .next
.out:   mov al, 0x20                        ; EOI
        out 0x20, al
        pop dx
        pop ax
        iret

done:   db 0
