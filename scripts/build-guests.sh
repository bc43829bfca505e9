#!/usr/bin/env bash
# Assembles the bundled guests (guests/*.asm → guests/*.bin plus a nasm listing/map for symbols).
# The .bin files are committed so `x86rr run hello` works without nasm; run this after editing a guest.
set -euo pipefail
cd "$(dirname "$0")/../guests"
for src in *.asm; do
  name="${src%.asm}"
  nasm -f bin -o "$name.bin" "$src"
done
echo "built: $(ls *.bin | tr '\n' ' ')"
