#!/usr/bin/env bash
# Assembles every bundled guest (guests/*.asm) twice:
#   guests/NAME.bin — the flat image x86rr loads (nasm -f bin);
#   guests/NAME.elf — the same code as an ELF32 executable with the guest's labels as symbols, linked
#                     at the guest's [org] address, for gdb (`symbol-file guests/NAME.elf`).
# The ELF's .text must be byte-identical to the .bin (checked here, and in test/gdbstub/elf-symbols).
# Both are committed so `x86rr run hello` works without nasm; run this after editing a guest.
# Needs nasm, ld and objcopy (binutils).
#   scripts/build-guests.sh [--line-info] [DIR]   DIR: another directory of guests (tests build fixtures
#   with it); --line-info: DWARF line tables in the ELFs (records the build directory's absolute path,
#   so the committed bundled ELFs are built without it).
set -euo pipefail
debug=()
if [[ "${1:-}" == "--line-info" ]]; then debug=(-g -F dwarf); shift; fi
cd "${1:-$(dirname "$0")/../guests}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
# ELF objects have no [org]: the address comes from the linker instead, so the directive is
# swallowed by a macro of the same name (macros expand before directives are parsed).
printf '%%macro org 1\n%%endmacro\n' > "$tmp/no-org.mac"
for src in *.asm; do
  name="${src%.asm}"
  nasm -f bin -o "$name.bin" "$src"
  org="$(sed -nE 's/^[[:space:]]*\[?org[[:space:]]+([^];[:space:]]+).*/\1/Ip' "$src" | head -n 1)"
  org="${org:-0}"
  nasm -f elf32 ${debug[@]+"${debug[@]}"} -p "$tmp/no-org.mac" -o "$tmp/$name.o" "$src"
  # One PT_LOAD holding .text only (no loaded ELF headers), entered at the load address.
  cat > "$tmp/$name.ld" <<EOF
PHDRS { text PT_LOAD; }
SECTIONS {
  . = $org;
  .text : { *(.text) } :text
  /DISCARD/ : { *(.note*) *(.comment) }
}
EOF
  ld -m elf_i386 -T "$tmp/$name.ld" -e "$org" --build-id=none -o "$name.elf" "$tmp/$name.o"
  chmod a-x "$name.elf" # a symbol file, not something to execute on the host
  objcopy -O binary -j .text "$name.elf" "$tmp/$name.text"
  if ! cmp -s "$tmp/$name.text" "$name.bin"; then
    echo "build-guests: $name.elf's .text differs from $name.bin (a construct the ELF build relocates differently?)" >&2
    exit 1
  fi
done
echo "built: $(ls *.bin *.elf | tr '\n' ' ')"
