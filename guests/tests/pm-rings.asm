; pm-rings — privilege transitions and protection faults (SDM Vol.3 5.5-5.8, 6.12).
; Ring 0: #GP/#NP/#SS from segment loads, each reported with its error code and faulting EIP.
; Ring 3 (IOPL 3 so it can report): INT n through a DPL 0 gate (#GP(vector*8+2)), #GP with a
; stack switch (frame SS ESP EFLAGS CS EIP error), INT n to a ring-0 handler, CALL through a
; call gate with one parameter and RETF 4 back (data segments the ring-3 code may not use are nulled).
; Record tags: 0x0B/0x0C/0x0D vector+error code, 0x80.. frame fields, 0xA0.. ring-3 values,
; 0xB0.. INT 0x41 frame, 0xC0.. call-gate frame.

NP_SEL   equ 0x30
CALLGATE equ 0x38

%macro GDT_EXTRA 0
        DESC 0, 0xfffff, 0x12, 0xc      ; 0x30 data, DPL 0, not present
        dw ABS(callgate_target) & 0xffff, KCODE ; 0x38 32-bit call gate, DPL 3, 1 parameter
        db 1, 0xec
        dw ABS(callgate_target) >> 16
%endmacro
%include "pm-lib.inc"

main:   mov si, KCODE
        mov dx, 0x8e00                  ; interrupt gates, DPL 0
        mov ecx, 11
        mov eax, h_np
        call set_gate
        mov ecx, 12
        mov eax, h_ss
        call set_gate
        mov ecx, 13
        mov eax, h_gp
        call set_gate
        mov dx, 0xee00                  ; DPL 3: reachable by INT n from ring 3
        mov ecx, 0x41
        mov eax, h_int41
        call set_gate
        mov ecx, 0x42
        mov eax, h_done
        call set_gate

        mov dword [resume], .r1
        mov ax, 0x1000                  ; index beyond the GDT limit → #GP(0x1000)
.f1:    mov ds, ax
.r1:    mov dword [resume], .r2
        mov ax, NP_SEL                  ; not present → #NP(0x30)
.f2:    mov es, ax
.r2:    mov dword [resume], .r3
        mov ax, NP_SEL                  ; (handlers clobber EAX)
.f3:    mov ss, ax                      ; not present stack segment → #SS(0x30)
.r3:    mov dword [resume], .r4
        mov ax, 0x0c                    ; TI=1 with no LDT → #GP(0x0c)
.f4:    mov fs, ax
.r4:
        ; IRETD to ring 3: EIP CS EFLAGS(IOPL 3) ESP SS.
        push dword UDATA
        push dword USTACK
        push dword 0x3002
        push dword UCODE
        push dword user
        iretd

user:   mov ax, UDATA                   ; DS was nulled by the return to ring 3
        mov ds, ax
        mov es, ax
        mov eax, cs
        mov bl, 0xa0
        call report
        mov dword [resume], .r5
.f5:    int 0x40                        ; gate DPL 0 < CPL 3 → #GP(0x40*8+2)
.r5:    mov dword [resume], .r6
        mov ax, KDATA                   ; DPL 0 data at CPL 3 → #GP(0x10), frame with SS:ESP
.f6:    mov ds, ax
.r6:    mov eax, esp
        mov bl, 0xa1
        call report
.f7:    int 0x41
.r7:    push dword 0xc0ffee
.f8:    call CALLGATE:0
.r8:    mov ebp, ds                     ; expect 0: DS=KDATA was loaded at ring 0
        mov ax, UDATA
        mov ds, ax
        mov eax, ebp
        mov bl, 0xa2
        call report
        mov eax, esp
        mov bl, 0xa3
        call report
        mov eax, cs
        mov bl, 0xa4
        call report
        int 0x42

; #NP, #SS, #GP: report vector and error code, the frame, then resume at [resume].
h_np:   mov bl, 0x0b
        jmp h_common
h_ss:   mov bl, 0x0c
        jmp h_common
h_gp:   mov bl, 0x0d
h_common:
        mov eax, [esp]
        call report
        mov eax, [esp+4]
        mov bl, 0x80
        call report
        mov eax, [esp+8]
        mov bl, 0x81
        call report
        test byte [esp+8], 3
        jz .same
        mov eax, [esp+12]
        mov bl, 0x82
        call report
        mov eax, [esp+16]
        mov bl, 0x83
        call report
        mov eax, [esp+20]
        mov bl, 0x84
        call report
        and dword [esp+12], ~0x10000    ; clear RF in the image before returning
.same:  mov eax, [resume]
        mov [esp+4], eax
        add esp, 4
        iretd

; INT 0x41 from ring 3: the frame and the ring-0 stack it was pushed on.
h_int41:
        mov ebp, esp
        mov eax, ss
        mov bl, 0xb5
        call report
        mov eax, ebp
        mov bl, 0xb6
        call report
        mov eax, [ebp]
        mov bl, 0xb0
        call report
        mov eax, [ebp+4]
        mov bl, 0xb1
        call report
        mov eax, [ebp+8]
        mov bl, 0xb2
        call report
        mov eax, [ebp+12]
        mov bl, 0xb3
        call report
        mov eax, [ebp+16]
        mov bl, 0xb4
        call report
        iretd

; Through the call gate: EIP CS param ESP SS on the ring-0 stack; loads DS=KDATA before RETF 4.
callgate_target:
        mov ebp, esp
        mov eax, cs
        mov bl, 0xc5
        call report
        mov eax, ebp
        mov bl, 0xc6
        call report
        xor ecx, ecx
.frame: mov eax, [ebp + ecx*4]
        mov bl, 0xc0
        add bl, cl
        call report
        inc ecx
        cmp ecx, 5
        jb .frame
        mov ax, KDATA
        mov ds, ax
        retf 4

h_done: jmp finish

resume: dd 0
