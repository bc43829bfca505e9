; paging-faults — #PF error codes and CR2 (SDM Vol.3 4.7, 4.6 access rights, 2.5 CR0.WP).
; Pages (all in the identity-mapped first 4 MiB unless noted):
;   0x300000 not present          0x301000 user, read-only
;   0x302000 supervisor, writable 0x303000 supervisor, read-only
;   0x400000 (PDE 1: user, read-only; PTE user, writable) → frame 0x310000
;   0x800000 (PDE 2: supervisor, writable; PTE user, writable) → frame 0x311000
; Each faulting access reports error code, CR2 and EIP (paging-lib h_pf) and resumes after it.
; Other record tags: 0xA0 value read after a permitted access, 0xA1 CPL 3 reached.

%macro GDT_EXTRA 0
%endmacro
%include "pm-lib.inc"
%include "paging-lib.inc"

main:   call set_pf_handler
        call paging_identity
        mov dword [PTE0(0x300000)], 0
        mov dword [PTE0(0x301000)], 0x301000 | PG_P | PG_US
        mov dword [PTE0(0x302000)], 0x302000 | PG_P | PG_RW
        mov dword [PTE0(0x303000)], 0x303000 | PG_P
        mov dword [PD + 4], PT1 | PG_P | PG_US
        mov dword [PT1], 0x310000 | PG_P | PG_RW | PG_US
        mov dword [PD + 8], PT2 | PG_P | PG_RW
        mov dword [PT2], 0x311000 | PG_P | PG_RW | PG_US
        mov dword [0x303008], 0x5a5a5a5a
        mov dword [0x310010], 0xcafe0001
        mov eax, cr3                    ; the PTE edits above happened after paging was on
        mov cr3, eax

        mov dword [resume], .r1
.f1:    mov eax, [0x300000]             ; not present, read: 0
.r1:    mov dword [resume], .r2
.f2:    mov dword [0x300004], 1         ; not present, write: W
.r2:
        ; CR0.WP = 0: a supervisor write to a read-only page succeeds.
        mov dword [0x303008], 0x11223344
        mov eax, [0x303008]
        mov bl, 0xa0
        call report
        ; CR0.WP = 1: the same write faults (P|W), and so does one to a user read-only page.
        mov eax, cr0
        or eax, 0x10000
        mov cr0, eax
        mov dword [resume], .r3
.f3:    mov dword [0x303008], 0x55667788
.r3:    mov dword [resume], .r4
.f4:    mov byte [0x301010], 1
.r4:    mov eax, [0x303008]             ; unchanged by the faulting write
        mov bl, 0xa0
        call report

        ; IRETD to ring 3 with IOPL 3 (so it may report through port 0xE9).
        push dword UDATA
        push dword USTACK
        push dword 0x3002
        push dword UCODE
        push dword user
        iretd

user:   mov ax, UDATA
        mov ds, ax
        mov es, ax
        mov eax, 3
        mov bl, 0xa1
        call report
        mov dword [resume], .r5
.f5:    mov eax, [0x302000]             ; supervisor page: P|U
.r5:    mov dword [resume], .r6
.f6:    mov dword [0x301000], 2         ; user read-only: P|W|U
.r6:    mov dword [resume], .r7
.f7:    mov al, [0x300fff]              ; not present: U
.r7:    mov dword [resume], .r8
.f8:    mov word [0x303002], 3          ; supervisor read-only: P|W|U
.r8:    mov eax, [0x400010]             ; PDE user read-only, PTE writable: reading is fine
        mov bl, 0xa0
        call report
        mov dword [resume], .r9
.f9:    mov [0x400020], eax             ; ... writing is not (RW is the AND of both levels): P|W|U
.r9:    mov dword [resume], .r10
.f10:   mov eax, [0x800000]             ; PDE supervisor: P|U although the PTE says user
.r10:   int 0x42
