; pm-df — a double fault delivered through a task gate (SDM Vol.3 6.15 "Interrupt 8", 7.3).
; Ring 3 executes HLT → #GP(0). Delivering it needs the ring-0 stack, but the TSS's SS0 names a
; not-present segment → #SS(SS0 | EXT) while delivering a contributory exception → #DF.
; IDT[8] is a task gate: the #DF task reports its error code, its TSS back link, TR, and the
; interrupted task's saved CS:EIP from the old TSS.
; Record tags: 0x08 #DF error code, 0xD0 back link, 0xD1 TR, 0xD2 saved EIP, 0xD3 saved CS,
; 0xD4 the old TSS descriptor's type byte (still busy: a nested task).

DF_TSS  equ 0x30
NP_SEL  equ 0x38
DF_STACK equ 0x88000

%macro GDT_EXTRA 0
        DESC ABS(df_tss), 0x67, 0x89, 0 ; 0x30 32-bit TSS of the #DF task
        DESC 0, 0xfffff, 0x12, 0xc      ; 0x38 data, DPL 0, not present
%endmacro
%include "pm-lib.inc"

main:   mov dword [idt + 8*8], DF_TSS << 16     ; task gate: TSS selector in bits 16-31
        mov dword [idt + 8*8 + 4], 0x8500       ; P, DPL 0, type 5
        mov dword [tss0 + 8], NP_SEL            ; SS0 → not present
        push dword UDATA
        push dword USTACK
        push dword 0x0002
        push dword UCODE
        push dword user
        iretd

user:
.f1:    hlt                                     ; privileged at CPL 3 → #GP(0)
        jmp user

df_task:
        pop eax                                 ; the #DF error code (always 0)
        mov bl, 0x08
        call report
        movzx eax, word [df_tss]                ; back link written by the task switch
        mov bl, 0xd0
        call report
        xor eax, eax
        str ax
        mov bl, 0xd1
        call report
        mov eax, [tss0 + 0x20]
        mov bl, 0xd2
        call report
        mov eax, [tss0 + 0x4c]
        mov bl, 0xd3
        call report
        movzx eax, byte [gdt + TSS_SEL + 5]
        mov bl, 0xd4
        call report
        jmp finish

        align 16
df_tss: dd 0, 0, 0, 0, 0, 0, 0          ; link, ESP0 SS0 ESP1 SS1 ESP2 SS2
        dd 0                            ; CR3
        dd df_task                      ; EIP
        dd 0x0002                       ; EFLAGS
        dd 0, 0, 0, 0                   ; EAX ECX EDX EBX
        dd DF_STACK, 0, 0, 0            ; ESP EBP ESI EDI
        dd KDATA, KCODE, KDATA, KDATA, KDATA, KDATA     ; ES CS SS DS FS GS
        dd 0                            ; LDT
        dw 0, 0x68                      ; T, I/O map base (none)
