; Multiboot ELF stub for scripts/qemu-reference.sh: qemu's multiboot loader enters it in flat 32-bit
; mode; it copies an x86rr load plan's low-memory writes into place (table of {dst, src, len}, len 0
; ends it), loads the plan's GDTR, segment selectors and registers, and jumps to the plan's EIP.
; plan-to-multiboot.ts patches gdtr and regs (ESI, ESP, EAX, EBX, EIP) and appends the table.
bits 32
org 0x700000
align 4
dd 0x1BADB002, 0, -0x1BADB002
start:
  cld
  mov ebx, table
.copy:
  mov ecx, [ebx+8]
  test ecx, ecx
  jz .done
  mov edi, [ebx]
  mov esi, [ebx+4]
  rep movsb
  add ebx, 12
  jmp .copy
.done:
  lgdt [gdtr]
  jmp 0x10:next
next:
  mov ax, 0x18
  mov ds, ax
  mov es, ax
  mov ss, ax
  mov fs, ax
  mov gs, ax
  mov esi, [regs+0]
  mov esp, [regs+4]
  mov eax, [regs+8]
  mov ebx, [regs+12]
  xor ecx, ecx
  xor edx, edx
  xor ebp, ebp
  xor edi, edi
  jmp [regs+16]
align 4
gdtr: dw 0, 0, 0
align 4
regs: dd 0, 0, 0, 0, 0
table:
