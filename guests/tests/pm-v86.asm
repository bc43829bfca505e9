; pm-v86 — into virtual-8086 mode with IRETD and back out by interrupt (SDM Vol.3 20.2-20.3).
; Ring 0 builds an IRETD frame with VM=1 (GS FS DS ES SS ESP EFLAGS CS EIP). The V86 code runs
; INT 0x30 (IOPL 3, gate DPL 3): the ring-0 handler reports the frame, which holds the V86
; segment registers, and the nulled data segments it runs with, then IRETDs back to V86.
; There HLT is privileged (CPL 3) → #GP(0), reported with its V86 frame.
; Record tags: 0x30 marks INT 0x30, 0xB0.. its frame (EIP CS EFLAGS ESP SS ES DS FS GS),
; 0xB9.. DS ES FS GS inside the handler, 0xBD AX from V86 code; 0x0D #GP error, 0xC0.. its frame.

V86_CS  equ 0x0800                      ; V86 code runs from this image: linear = 0x8000 + IP
V86_SS  equ 0x6000
V86_SP  equ 0x0ffe

%macro GDT_EXTRA 0
%endmacro
%include "pm-lib.inc"

main:   mov si, KCODE
        mov dx, 0xee00
        mov ecx, 0x30
        mov eax, h_int30
        call set_gate
        mov dx, 0x8e00
        mov ecx, 13
        mov eax, h_gp
        call set_gate
        push dword 0x0456               ; GS
        push dword 0x0345               ; FS
        push dword 0x0234               ; DS
        push dword 0x0123               ; ES
        push dword V86_SS
        push dword V86_SP
        push dword 0x00023002           ; VM, IOPL 3
        push dword V86_CS
        push dword v86_code - 0x8000
        iretd

        bits 16
v86_code:
        mov ax, 0x1234
.f1:    int 0x30
.r1:
.f2:    hlt
        jmp .f2
        bits 32

h_int30:
        mov ebp, ds                     ; DS ES FS GS are null here: capture before using memory
        mov esi, es
        mov edi, fs
        mov ecx, gs
        mov dx, KDATA
        mov ds, dx
        mov [saved], eax
        mov eax, 0x30
        mov bl, 0x30
        call report
        mov eax, ebp
        mov bl, 0xb9
        call report
        mov eax, esi
        mov bl, 0xba
        call report
        mov eax, edi
        mov bl, 0xbb
        call report
        mov eax, ecx
        mov bl, 0xbc
        call report
        mov eax, [saved]
        and eax, 0xffff
        mov bl, 0xbd
        call report
        mov bl, 0xb0
        call report_frame
        iretd

h_gp:   mov dx, KDATA
        mov ds, dx
        pop eax
        mov bl, 0x0d
        call report
        mov bl, 0xc0
        call report_frame
        jmp finish

; report_frame: the 9 dwords of a V86 interrupt frame at the caller's ESP+4, tags bl, bl+1, ...
report_frame:
        xor ecx, ecx
.next:  mov eax, [esp + 4 + ecx*4]
        call report
        inc bl
        inc ecx
        cmp ecx, 9
        jb .next
        ret

saved:  dd 0
