#!/usr/bin/env bash
# qemu-reference.sh DIR [MEM_MIB] — boots the guest built by debian-guest.sh DIR on qemu, twice:
#   1. qemu's own Linux loader (-kernel vmlinuz -initrd initramfs.cpio.gz): the guest itself works;
#   2. x86rr's bzImage load plan wrapped by plan-to-multiboot.ts: our boot_params/e820/initrd placement
#      boot a real kernel.
# Each run must print "X86RR-GUEST-MARKER: init reached"; logs go to DIR/qemu-direct.log, DIR/qemu-plan.log.
# A reference check for developers (needs qemu-system-x86 and nasm); the test suite never runs qemu.
set -euo pipefail
die() { echo "qemu-reference: error: $*" >&2; exit 1; }
[ $# -ge 1 ] || { echo "usage: $0 DIR [MEM_MIB]" >&2; exit 2; }
REPO=$(cd "$(dirname "$0")/.." && pwd)
DIR=$(cd "$1" && pwd)
MEM=${2:-256}
CMDLINE="console=ttyS0"
command -v qemu-system-i386 >/dev/null || die "qemu-system-i386 not found (apt-get install qemu-system-x86)"
command -v nasm >/dev/null || die "nasm not found"
for f in vmlinuz initramfs.cpio.gz; do [ -f "$DIR/$f" ] || die "$DIR/$f missing: run scripts/debian-guest.sh $DIR first"; done

TOOLS="$DIR/.tools"
"$REPO/node_modules/.bin/tsc" --ignoreConfig --outDir "$TOOLS" --rootDir "$REPO" --module nodenext --target es2022 \
  --types node --skipLibCheck --strict "$REPO/scripts/plan-to-multiboot.ts" || die "compiling plan-to-multiboot.ts failed"
echo '{ "type": "module" }' > "$TOOLS/package.json"
nasm -f bin -o "$TOOLS/plan-stub.bin" "$REPO/scripts/guest/plan-stub.asm"
# The plan's RAM size stays below qemu's so the blob qemu copies ends inside RAM.
node "$TOOLS/scripts/plan-to-multiboot.js" "$DIR/plan.elf" "$TOOLS/plan-stub.bin" "$DIR/vmlinuz" "$DIR/initramfs.cpio.gz" "$((MEM - 16))" "$CMDLINE"

status=0
boot() { # name kernel [qemu args...]
  local name=$1 log="$DIR/qemu-$1.log" start end; shift
  start=$(date +%s.%N)
  timeout 120 qemu-system-i386 -m "$MEM" -nographic -no-reboot "$@" > "$log" 2>&1 || true
  end=$(date +%s.%N)
  if grep -q "X86RR-GUEST-MARKER: init reached" "$log"; then
    printf 'qemu-reference: %s: init reached, %.1f s, %s lines (%s)\n' "$name" "$(echo "$end - $start" | bc)" "$(wc -l < "$log")" "$log"
  else
    echo "qemu-reference: $name: marker NOT seen; see $log" >&2; status=1
  fi
}
boot direct -kernel "$DIR/vmlinuz" -initrd "$DIR/initramfs.cpio.gz" -append "$CMDLINE"
boot plan -kernel "$DIR/plan.elf"
exit $status
