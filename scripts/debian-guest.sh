#!/usr/bin/env bash
# debian-guest.sh DIR — fetch a real Linux guest from Debian (never committed) and build its initramfs.
#
#   DIR/debs/linux-image-<abi>-686_<ver>_i386.deb   Debian's i386 non-PAE kernel (what linux-image-686 depends on)
#   DIR/debs/busybox-static_<ver>_i386.deb
#   DIR/vmlinuz                                      the bzImage from the kernel package
#   DIR/busybox                                      static i386 busybox
#   DIR/initramfs.cpio.gz                            newc cpio (gzip): /init = scripts/guest/init, busybox + applet links
#   DIR/guest.txt                                    package names and versions, file sizes
#
# Idempotent: downloaded packages are kept in DIR/debs and reused without asking apt again; the
# initramfs is rebuilt only when an input changed. Needs apt/dpkg (Debian or derivative), root for
# `dpkg --add-architecture i386` the first time, node and the repo's npm dependencies (tsc).
set -euo pipefail

die() { echo "debian-guest: error: $*" >&2; exit 1; }
[ $# -eq 1 ] || { echo "usage: $0 DIR" >&2; exit 2; }
REPO=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$1/debs"
DIR=$(cd "$1" && pwd)
DEBS="$DIR/debs"

command -v dpkg-deb >/dev/null || die "dpkg-deb not found: this script needs a Debian-based system"

find_deb() { find "$DEBS" -maxdepth 1 -name "$1" -print | sort | tail -n 1; }

kernel_deb=$(find_deb 'linux-image-*-686_*_i386.deb')
busybox_deb=$(find_deb 'busybox-static_*_i386.deb')

if [ -z "$kernel_deb" ] || [ -z "$busybox_deb" ]; then
  command -v apt-get >/dev/null || die "apt-get not found and no cached packages in $DEBS"
  if ! dpkg --print-foreign-architectures | grep -qx i386; then
    [ "$(id -u)" -eq 0 ] || die "dpkg does not know the i386 architecture; run as root, or: sudo dpkg --add-architecture i386 && sudo apt-get update"
    dpkg --add-architecture i386
  fi
  if ! apt-cache show linux-image-686:i386 >/dev/null 2>&1; then
    echo "debian-guest: apt-get update (i386 package lists)" >&2
    # A partial failure (one mirror mid-sync) is tolerated when the packages we need are then known.
    apt-get update >&2 || echo "debian-guest: warning: apt-get update reported errors" >&2
    apt-cache show linux-image-686:i386 >/dev/null 2>&1 ||
      die "apt does not know linux-image-686:i386: the Debian archive could not be reached or its i386 lists are missing (see apt-get update output above)"
  fi
  # The metapackage linux-image-686 depends on the concrete ABI package, e.g. linux-image-6.1.0-50-686.
  kernel_pkg=$(apt-cache depends linux-image-686:i386 | sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-686\)\(:i386\)\{0,1\}$/\1/p' | head -n 1)
  [ -n "$kernel_pkg" ] || die "could not find the kernel package linux-image-686:i386 depends on (apt-cache depends printed no linux-image-*-686)"
  echo "debian-guest: downloading $kernel_pkg:i386 busybox-static:i386" >&2
  (cd "$DEBS" && apt-get download "$kernel_pkg:i386" busybox-static:i386 >&2) ||
    die "apt-get download of $kernel_pkg:i386 busybox-static:i386 failed: is the Debian archive reachable?"
  kernel_deb=$(find_deb "${kernel_pkg}_*_i386.deb")
  busybox_deb=$(find_deb 'busybox-static_*_i386.deb')
  [ -n "$kernel_deb" ] && [ -n "$busybox_deb" ] || die "apt-get download succeeded but the .deb files are not in $DEBS"
fi

# Extract only what we need; the kernel package also holds ~300 MB of modules we do not keep.
extract() { # deb member dest
  [ "$3" -nt "$1" ] && return 0
  local tmp; tmp=$(mktemp -d "$DIR/.extract.XXXXXX")
  dpkg-deb -x "$1" "$tmp" || { rm -rf "$tmp"; die "dpkg-deb could not extract $1"; }
  # shellcheck disable=SC2086
  local found; found=$(ls $tmp/$2 2>/dev/null | head -n 1)
  [ -n "$found" ] || { rm -rf "$tmp"; die "$1 holds no $2"; }
  cp "$found" "$3.tmp" && mv "$3.tmp" "$3"
  rm -rf "$tmp"
}
extract "$kernel_deb" 'boot/vmlinuz-*' "$DIR/vmlinuz"
extract "$busybox_deb" 'bin/busybox' "$DIR/busybox"
chmod 755 "$DIR/busybox"

# The initramfs is written by the project's own cpio writer (src/loaders/cpio.ts), compiled here.
TOOLS="$DIR/.tools"
INIT="$REPO/scripts/guest/init"
if [ ! -f "$TOOLS/scripts/mkinitramfs.js" ] || [ "$REPO/scripts/mkinitramfs.ts" -nt "$TOOLS/scripts/mkinitramfs.js" ] ||
   [ "$REPO/src/loaders/cpio.ts" -nt "$TOOLS/scripts/mkinitramfs.js" ]; then
  [ -x "$REPO/node_modules/.bin/tsc" ] || die "TypeScript is not installed: run npm ci in $REPO"
  "$REPO/node_modules/.bin/tsc" --ignoreConfig --outDir "$TOOLS" --rootDir "$REPO" --module nodenext --target es2022 \
    --types node --skipLibCheck --strict "$REPO/scripts/mkinitramfs.ts" || die "compiling scripts/mkinitramfs.ts failed"
  echo '{ "type": "module" }' > "$TOOLS/package.json"
fi
out="$DIR/initramfs.cpio.gz"
if [ ! -f "$out" ] || [ "$DIR/busybox" -nt "$out" ] || [ "$INIT" -nt "$out" ] || [ "$TOOLS/scripts/mkinitramfs.js" -nt "$out" ]; then
  node "$TOOLS/scripts/mkinitramfs.js" "$out.tmp" "$DIR/busybox" "$INIT" >&2
  mv "$out.tmp" "$out"
fi

{
  echo "kernel package: $(dpkg-deb -f "$kernel_deb" Package) $(dpkg-deb -f "$kernel_deb" Version)"
  echo "busybox package: $(dpkg-deb -f "$busybox_deb" Package) $(dpkg-deb -f "$busybox_deb" Version)"
  for f in vmlinuz busybox initramfs.cpio.gz; do echo "$f: $(stat -c %s "$DIR/$f") bytes"; done
} > "$DIR/guest.txt"
cat "$DIR/guest.txt"
