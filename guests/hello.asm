; hello — the quick-start guest: real mode → protected mode → paging, printing on COM1.
; Loaded as a flat binary at 0x7c00 and entered in real mode at 0000:7c00 (like a boot sector).
; Ends by writing 0 to the isa-debug-exit port 0xf4 (exit status 0 = (0 << 1) | 1 → success).

        bits 16
        org 0x7c00
COM1    equ 0x3f8

start:  cli
        xor ax, ax
        mov ds, ax
        mov ss, ax
        mov sp, 0x7c00
        mov si, msg_real
        call puts16
        lgdt [gdt_desc]
        mov eax, cr0
        or eax, 1
        mov cr0, eax
        jmp 0x08:pm_entry

; puts16: print the NUL-terminated string at DS:SI on COM1 (polling LSR.THRE).
puts16: lodsb
        test al, al
        jz .done
        mov bl, al
.wait:  mov dx, COM1 + 5
        in al, dx
        test al, 0x20
        jz .wait
        mov al, bl
        mov dx, COM1
        out dx, al
        jmp puts16
.done:  ret

        bits 32
pm_entry:
        mov ax, 0x10
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov esp, 0x90000
        mov esi, msg_pm
        call puts32
        ; Identity-map the first 4 MiB with one 4 MiB PSE page and turn paging on.
        mov dword [0x80000], 0x00000083     ; P | RW | PS
        mov eax, cr4
        or eax, 0x10                        ; CR4.PSE
        mov cr4, eax
        mov eax, 0x80000
        mov cr3, eax
        mov eax, cr0
        or eax, 0x80000000
        mov cr0, eax
        mov esi, msg_pg
        call puts32
        mov dx, 0xf4
        xor eax, eax
        out dx, al
        hlt
        jmp $

puts32: lodsb
        test al, al
        jz .done
        mov bl, al
.wait:  mov dx, COM1 + 5
        in al, dx
        test al, 0x20
        jz .wait
        mov al, bl
        mov dx, COM1
        out dx, al
        jmp puts32
.done:  ret

        align 8
gdt:    dq 0
        dq 0x00cf9a000000ffff               ; 0x08: code, base 0, 4 GiB, 32-bit
        dq 0x00cf92000000ffff               ; 0x10: data, base 0, 4 GiB
gdt_desc:
        dw gdt_desc - gdt - 1
        dd gdt

msg_real: db "x86rr hello: real mode", 13, 10, 0
msg_pm:   db "x86rr hello: protected mode", 13, 10, 0
msg_pg:   db "x86rr hello: paging on, bye", 13, 10, 0
