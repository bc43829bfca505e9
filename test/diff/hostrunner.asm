; x86rr differential oracle: runs instruction snippets natively on the host CPU (i386 Linux ABI,
; static, no libc; int 0x80 syscalls). Built at test time by test/diff/hostcpu.ts.
;
; Fixed guest-visible layout (mapped with mmap MAP_FIXED; the emulator side uses the same addresses):
;   CODE_ADDR    0x00110000  one RWX page: the snippet, then the runner appends `jmp snippet_done`
;   SCRATCH_ADDR 0x00120000  one RW page, loaded from the case and dumped after it
;   STACK_ADDR   0x00130000  one RW page, loaded from the case and dumped after it (ESP usually
;                            points into it; the runner uses its own stack and an alternate
;                            signal stack, so a snippet may leave ESP anywhere)
;   FS           selector 0x07: LDT entry 0 (modify_ldt), a 32-bit writable data segment with
;                base SCRATCH_ADDR and byte-granular limit 0xFFFF, so 16-bit addressing
;                (67-prefixed fs:[bx+si] forms) reaches the scratch page. Snippets must not load FS.
;
; Input on stdin: a sequence of cases until EOF, all fields little-endian:
;   +0     u32  magic 0x43363858 ("X86C")
;   +4     u32  code_len (<= 4096; above 4091 there is no room for the jump: such a snippet must
;               fault before its end, e.g. on an instruction that runs off the page)
;   +8     u32  options: bit0 = load the x87/SSE state from a 512-byte FXSAVE image that follows
;                        the code (else FNINIT); bit1 = append a 512-byte FXSAVE dump to the result
;   +12    u32  EAX ECX EDX EBX ESP EBP ESI EDI (SDM encoding order)
;   +44    u32  EFLAGS (only CF PF AF ZF SF DF OF are loaded; IF=1 as always in user mode)
;   +48    u8   scratch page image [4096]
;   +4144  u8   stack page image [4096]
;   +8240  u8   code [code_len], then the optional FXSAVE image [512]
;
; Output on stdout, one record per case:
;   +0     u32  magic 0x52363858 ("X86R")
;   +4     u32  signal number (0: the snippet ran to its end)
;   +8     u32  si_code      +12 u32 si_addr (fault address for SIGSEGV/SIGBUS, else as the kernel sets)
;   +16    u32  trapno (the x86 exception vector from the signal frame)   +20 u32 error code
;   +24    u32  EIP: CODE_ADDR+code_len at the end, else the EIP in the signal frame
;   +28    u32  EAX ECX EDX EBX ESP EBP ESI EDI at the end or at the fault
;   +60    u32  EFLAGS
;   +64    u8   scratch page [4096]
;   +4160  u8   stack page [4096]
;   +8256  u8   FXSAVE image [512] when options bit1
;
; A faulting snippet: SIGSEGV/SIGBUS/SIGFPE/SIGILL/SIGTRAP/SIGALRM handlers (SA_SIGINFO, on an
; alternate stack) record the signal and the registers of the signal frame, then redirect the
; frame's EIP/ESP to fault_resume and return through rt_sigreturn, which restores the runner.
; Each case runs under alarm(2) so a snippet that never ends reports SIGALRM.
; Exit status: 0 at EOF, 2 truncated input, 3 bad case header, 4 a signal outside a snippet,
; 5 mmap failure.

CODE_ADDR    equ 0x00110000
SCRATCH_ADDR equ 0x00120000
STACK_ADDR   equ 0x00130000
PAGE         equ 4096
CODE_MAX     equ 4096
IN_HDR       equ 8240
OUT_HDR      equ 64
FLAGS_LOAD   equ 0x0ed5            ; CF PF AF ZF SF DF OF
UC_MCTX      equ 20                ; offset of uc_mcontext in the i386 ucontext

SYS_EXIT equ 1
SYS_READ equ 3
SYS_WRITE equ 4
SYS_ALARM equ 27
SYS_SIGRETURN_RT equ 173
SYS_RT_SIGACTION equ 174
SYS_SIGALTSTACK equ 186
SYS_MMAP2 equ 192
SYS_MODIFY_LDT equ 123

section .bss
alignb 16
in_hdr:     resb IN_HDR
in_code:    resb PAGE
alignb 16
in_fx:      resb 512
alignb 16
out_rec:    resb OUT_HDR + 2*PAGE
alignb 16
out_fx:     resb 512
alignb 16
altstack:   resb 65536
saved_esp:  resd 1
in_case:    resd 1
act:        resd 5

section .data
code_ptr:   dd CODE_ADDR
; struct user_desc: entry 0, base, limit, flags (seg_32bit=1, contents=0 data, writable, byte
; granular, present, useable=1)
ldt_desc:   dd 0, SCRATCH_ADDR, 0xffff, 0x41

section .text
global _start

%define H(o) in_hdr + (o)
%define O(o) out_rec + (o)

_start:
    ; map the three fixed pages
    mov ebx, CODE_ADDR
    mov edx, 7
    call map_page
    mov ebx, SCRATCH_ADDR
    mov edx, 3
    call map_page
    mov ebx, STACK_ADDR
    mov edx, 3
    call map_page
    ; FS = LDT data segment at SCRATCH_ADDR
    mov eax, SYS_MODIFY_LDT
    mov ebx, 1
    mov ecx, ldt_desc
    mov edx, 16
    int 0x80
    test eax, eax
    jnz exit_map
    mov ax, 0x07
    mov fs, ax
    ; alternate signal stack
    sub esp, 12
    mov dword [esp], altstack
    mov dword [esp+4], 0
    mov dword [esp+8], 65536
    mov eax, SYS_SIGALTSTACK
    mov ebx, esp
    xor ecx, ecx
    int 0x80
    add esp, 12
    ; handlers: SA_SIGINFO | SA_ONSTACK | SA_RESTORER
    mov dword [act], on_signal
    mov dword [act+4], 0x0c000004
    mov dword [act+8], restorer
    mov dword [act+12], 0
    mov dword [act+16], 0
    mov ebx, 4                     ; SIGILL
    call set_handler
    mov ebx, 5                     ; SIGTRAP
    call set_handler
    mov ebx, 7                     ; SIGBUS
    call set_handler
    mov ebx, 8                     ; SIGFPE
    call set_handler
    mov ebx, 11                    ; SIGSEGV
    call set_handler
    mov ebx, 14                    ; SIGALRM
    call set_handler

next_case:
    mov ecx, in_hdr
    mov edx, IN_HDR
    call read_exact
    test eax, eax
    jz exit_ok
    cmp eax, IN_HDR
    jne exit_trunc
    cmp dword [H(0)], 0x43363858
    jne exit_bad
    mov edx, [H(4)]
    cmp edx, CODE_MAX
    ja exit_bad
    test edx, edx
    jz .nocode
    mov ecx, in_code
    call read_exact
    cmp eax, [H(4)]
    jne exit_trunc
.nocode:
    test dword [H(8)], 1
    jz .nofx
    mov ecx, in_fx
    mov edx, 512
    call read_exact
    cmp eax, 512
    jne exit_trunc
.nofx:
    ; code page: 0xCC fill, snippet, jmp snippet_done
    cld
    mov edi, CODE_ADDR
    mov eax, 0xcccccccc
    mov ecx, PAGE / 4
    rep stosd
    mov edi, CODE_ADDR
    mov esi, in_code
    mov ecx, [H(4)]
    rep movsb
    cmp dword [H(4)], PAGE - 5
    ja .nojmp
    mov byte [edi], 0xe9
    mov eax, snippet_done
    lea edx, [edi+5]
    sub eax, edx
    mov [edi+1], eax
.nojmp:
    ; scratch and stack pages
    mov esi, H(48)
    mov edi, SCRATCH_ADDR
    mov ecx, PAGE / 4
    rep movsd
    mov edi, STACK_ADDR
    mov ecx, PAGE / 4
    rep movsd
    ; x87/SSE state
    fninit
    test dword [H(8)], 1
    jz .fxdone
    fxrstor [in_fx]
.fxdone:
    mov eax, SYS_ALARM
    mov ebx, 2
    int 0x80
    ; enter the snippet
    mov [saved_esp], esp
    mov dword [in_case], 1
    mov eax, [H(44)]
    and eax, FLAGS_LOAD
    or eax, 0x202
    push eax
    popfd
    mov eax, [H(12)]
    mov ecx, [H(16)]
    mov edx, [H(20)]
    mov ebx, [H(24)]
    mov esp, [H(28)]
    mov ebp, [H(32)]
    mov esi, [H(36)]
    mov edi, [H(40)]
    jmp [code_ptr]

snippet_done:
    mov [O(28)], eax
    mov [O(32)], ecx
    mov [O(36)], edx
    mov [O(40)], ebx
    mov [O(44)], esp
    mov [O(48)], ebp
    mov [O(52)], esi
    mov [O(56)], edi
    mov esp, [saved_esp]
    pushfd
    pop dword [O(60)]
    push dword 0x202               ; the runner itself runs with AC=0 TF=0 DF=0
    popfd
    xor eax, eax
    mov [O(4)], eax
    mov [O(8)], eax
    mov [O(12)], eax
    mov [O(16)], eax
    mov [O(20)], eax
    mov eax, CODE_ADDR
    add eax, [H(4)]
    mov [O(24)], eax
    jmp finish_case

fault_resume:                      ; rt_sigreturn lands here with the runner's ESP
    cld
finish_case:
    mov dword [in_case], 0
    mov eax, SYS_ALARM
    xor ebx, ebx
    int 0x80
    test dword [H(8)], 2
    jz .nodump
    fxsave [out_fx]
.nodump:
    mov dword [O(0)], 0x52363858
    mov esi, SCRATCH_ADDR
    mov edi, O(64)
    mov ecx, PAGE / 4
    rep movsd
    mov esi, STACK_ADDR
    mov ecx, PAGE / 4
    rep movsd
    mov ecx, out_rec
    mov edx, OUT_HDR + 2*PAGE
    call write_all
    test dword [H(8)], 2
    jz next_case
    mov ecx, out_fx
    mov edx, 512
    call write_all
    jmp next_case

; on_signal(sig, siginfo*, ucontext*) on the alternate stack
on_signal:
    mov eax, [esp+4]
    cmp dword [in_case], 1
    je .ours
    cmp eax, 14
    je .ignore                     ; a late SIGALRM outside a snippet
    mov ebx, 4
    mov eax, SYS_EXIT
    int 0x80
.ours:
    mov dword [in_case], 0
    mov ebx, [esp+8]
    mov ecx, [esp+12]
    lea ecx, [ecx+UC_MCTX]
    mov [O(4)], eax
    mov edx, [ebx+8]
    mov [O(8)], edx
    mov edx, [ebx+12]
    mov [O(12)], edx
    mov edx, [ecx+48]
    mov [O(16)], edx
    mov edx, [ecx+52]
    mov [O(20)], edx
    mov edx, [ecx+56]
    mov [O(24)], edx
    mov edx, [ecx+44]
    mov [O(28)], edx               ; eax
    mov edx, [ecx+40]
    mov [O(32)], edx               ; ecx
    mov edx, [ecx+36]
    mov [O(36)], edx               ; edx
    mov edx, [ecx+32]
    mov [O(40)], edx               ; ebx
    mov edx, [ecx+28]
    mov [O(44)], edx               ; esp
    mov edx, [ecx+24]
    mov [O(48)], edx               ; ebp
    mov edx, [ecx+20]
    mov [O(52)], edx               ; esi
    mov edx, [ecx+16]
    mov [O(56)], edx               ; edi
    mov edx, [ecx+64]
    mov [O(60)], edx               ; eflags
    mov dword [ecx+56], fault_resume
    mov edx, [saved_esp]
    mov [ecx+28], edx
    and dword [ecx+64], ~0x40500   ; resume with AC=0 TF=0 DF=0
.ignore:
    ret

restorer:
    mov eax, SYS_SIGRETURN_RT
    int 0x80

; ebx = signal number
set_handler:
    mov eax, SYS_RT_SIGACTION
    mov ecx, act
    xor edx, edx
    mov esi, 8
    int 0x80
    ret

; ebx = address, edx = prot
map_page:
    mov eax, SYS_MMAP2
    mov ecx, PAGE
    mov esi, 0x32                  ; MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED
    mov edi, -1
    push ebp
    xor ebp, ebp
    int 0x80
    pop ebp
    cmp eax, ebx
    jne exit_map
    ret

; read_exact(ecx = buffer, edx = length) -> eax = bytes read (short only at EOF)
read_exact:
    push esi
    push edi
    mov esi, ecx
    mov edi, edx
    xor ecx, ecx
.loop:
    cmp ecx, edi
    jae .done
    push ecx
    mov eax, SYS_READ
    xor ebx, ebx
    lea edx, [edi]
    sub edx, ecx
    add ecx, esi
    int 0x80
    pop ecx
    test eax, eax
    jle .done
    add ecx, eax
    jmp .loop
.done:
    mov eax, ecx
    pop edi
    pop esi
    ret

; write_all(ecx = buffer, edx = length)
write_all:
    mov eax, SYS_WRITE
    mov ebx, 1
    push ecx
    push edx
    int 0x80
    pop edx
    pop ecx
    test eax, eax
    jle exit_trunc
    add ecx, eax
    sub edx, eax
    jnz write_all
    ret

exit_ok:
    xor ebx, ebx
    jmp do_exit
exit_trunc:
    mov ebx, 2
    jmp do_exit
exit_bad:
    mov ebx, 3
    jmp do_exit
exit_map:
    mov ebx, 5
do_exit:
    mov eax, SYS_EXIT
    int 0x80
