; demo — the bisect demo: a tiny preemptive kernel with a lost-update race.
; 32-bit protected mode with paging (one 4 MiB identity page). The PIT (IRQ 0, vector 0x20)
; preempts: timer_isr saves the running task's registers on its stack and switches to the other
; task's stack. task_a and task_b each call `increment` N times; increment is a non-atomic
; read-modify-write of `counter` (load, some work, store) with no lock, so a timer interrupt that
; lands between the load and the store lets the other task's increments be overwritten by a stale
; value. `ops` counts completed increments with one instruction (which an interrupt cannot split),
; so `counter < ops` holds from the first lost update on.
; At the end the kernel prints counter and expected value on COM1 and "RACE DETECTED" or "OK",
; and writes to the debug-exit port 0xf4: 0 for OK, RACE_CODE when updates were lost.
; Loaded at 0x100000, entered in flat 32-bit mode (x86rr's flat32 entry). EBX at entry, if
; non-zero, replaces the PIT divisor (tests choose timings with it).

        bits 32
        org 0x100000

COM1      equ 0x3f8
N         equ 3000                      ; increments per task
THINK     equ 12                        ; iterations of non-critical work between increments
PIT_DIV   equ 11                        ; PIT channel 0 divisor: 1193182 Hz / 11 = 108 kHz
RACE_CODE equ 0x52                      ; 'R'
PAGE_DIR  equ 0x3ff000
STACK_A   equ 0x1f0000
STACK_B   equ 0x1e0000

start:  cli
        lgdt [gdt_desc]
        jmp 0x08:reload
reload: mov ax, 0x10
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov fs, ax
        mov gs, ax
        mov esp, STACK_A
        ; paging: PDE 0 = 4 MiB page at 0 (P|RW|PS), CR4.PSE, CR0.PG
        mov edi, PAGE_DIR
        xor eax, eax
        mov ecx, 1024
        rep stosd
        mov dword [PAGE_DIR], 0x83
        mov eax, PAGE_DIR
        mov cr3, eax
        mov eax, cr4
        or eax, 0x10
        mov cr4, eax
        mov eax, cr0
        or eax, 0x80000000
        mov cr0, eax
        ; IDT gate 0x20 → timer_isr (32-bit interrupt gate, DPL 0)
        mov eax, timer_isr
        mov [idt + 0x20*8], ax
        mov word [idt + 0x20*8 + 2], 0x08
        mov word [idt + 0x20*8 + 4], 0x8e00
        shr eax, 16
        mov [idt + 0x20*8 + 6], ax
        lidt [idt_desc]
        ; 8259A: master vectors 0x20-0x27, slave 0x28-0x2f; only IRQ 0 unmasked
        mov al, 0x11
        out 0x20, al
        out 0xa0, al
        mov al, 0x20
        out 0x21, al
        mov al, 0x28
        out 0xa1, al
        mov al, 0x04
        out 0x21, al
        mov al, 0x02
        out 0xa1, al
        mov al, 0x01
        out 0x21, al
        out 0xa1, al
        mov al, 0xfe
        out 0x21, al
        mov al, 0xff
        out 0xa1, al
        ; task_b's first stack: the frame timer_isr pops (PUSHAD image, then EIP, CS, EFLAGS.IF)
        mov edi, STACK_B - 11*4
        mov [task_esp + 4], edi
        xor eax, eax
        mov ecx, 8
        rep stosd
        mov dword [edi], task_b
        mov dword [edi + 4], 0x08
        mov dword [edi + 8], 0x202
        ; PIT channel 0: lobyte/hibyte, mode 2 (rate generator)
        mov ecx, PIT_DIV
        test ebx, ebx
        jz .div
        mov ecx, ebx
.div:   mov al, 0x34
        out 0x43, al
        mov al, cl
        out 0x40, al
        mov al, ch
        out 0x40, al
        sti
        jmp task_a

; IRQ 0: save the running task's registers on its stack, switch stacks, resume the other task.
timer_isr:
        pushad
        inc dword [ticks]
        mov al, 0x20                    ; EOI
        out 0x20, al
        mov eax, [current]
        mov [task_esp + eax*4], esp
        xor eax, 1
        mov [current], eax
        mov esp, [task_esp + eax*4]
        popad
        iret

task_a: mov esi, done_a
        jmp task_body
task_b: mov esi, done_b

; Each task: N increments with some non-critical work between them, then mark itself done.
task_body:
        mov ecx, N
.loop:  call increment
        inc dword [ops]
        mov edx, THINK
.think: dec edx
        jnz .think
        dec ecx
        jnz .loop
        mov byte [esi], 1
        cmp byte [done_a], 0
        je .wait
        cmp byte [done_b], 0
        jne report
.wait:  hlt
        jmp .wait

; counter += 1, racily: the interrupt window is from after .load to before .store.
increment:
.load:  mov eax, [counter]
        imul edx, eax, 5                ; "some work" with the loaded value
        add edx, eax
        inc eax
.store: mov [counter], eax
        ret

report: cli
        mov esi, msg_counter
        call puts
        mov eax, [counter]
        call putdec
        mov esi, msg_expected
        call puts
        mov eax, 2*N
        call putdec
        mov al, 10
        call putc
        mov eax, [counter]
        cmp eax, 2*N
        jne .race
        mov esi, msg_ok
        call puts
        xor al, al
        jmp .exit
.race:  mov esi, msg_race
        call puts
        mov al, RACE_CODE
.exit:  mov dx, 0xf4
        out dx, al
        hlt

putc:   push edx
        push eax
        mov dx, COM1 + 5
.wait:  in al, dx
        test al, 0x20                   ; LSR.THRE
        jz .wait
        pop eax
        mov dx, COM1
        out dx, al
        pop edx
        ret

puts:   lodsb
        test al, al
        jz .done
        call putc
        jmp puts
.done:  ret

; EAX in decimal.
putdec: mov ebx, 10
        xor ecx, ecx
.digit: xor edx, edx
        div ebx
        push edx
        inc ecx
        test eax, eax
        jnz .digit
.out:   pop eax
        add al, '0'
        call putc
        loop .out
        ret

msg_counter:  db "counter=", 0
msg_expected: db " expected=", 0
msg_ok:       db "OK", 10, 0
msg_race:     db "RACE DETECTED", 10, 0

        align 4
counter:  dd 0
ops:      dd 0
ticks:    dd 0
current:  dd 0
task_esp: dd 0, 0
done_a:   db 0
done_b:   db 0

        align 8
gdt:    dq 0
        dq 0x00cf9a000000ffff           ; 0x08: code, base 0, 4 GiB, 32-bit
        dq 0x00cf92000000ffff           ; 0x10: data, base 0, 4 GiB
gdt_end:
gdt_desc:
        dw gdt_end - gdt - 1
        dd gdt
idt:    times 0x21 dq 0
idt_end:
idt_desc:
        dw idt_end - idt - 1
        dd idt
