#!/usr/bin/env bash
# Builds a root file system tar for `ipcat docker import`: Debian's busybox-static with its
# applet links, /tmp and /ipc, the compiled ipcat at /usr/local/bin/ipcat, and the C library
# files that binary loads (what `ldd` lists, the dynamic loader included). No registry is
# needed: the image is made from files already on this machine.
#
#   scripts/rootfs.sh OUT.tar [--binary dist/ipcat | --no-ipcat] [--add HOST_PATH=IMAGE_PATH]...
#
# --add copies one more file (mode kept) into the image, e.g. a script a scenario runs.
# --no-ipcat leaves out the binary and its C library: busybox alone (the docker tests' image).
# The tar is owned by root, sorted and dated 0, so the same inputs give the same bytes.
# Needs: /bin/busybox from busybox-static (apt-get install busybox-static), ldd, GNU tar.
set -euo pipefail

usage() { echo "usage: scripts/rootfs.sh OUT.tar [--binary PATH | --no-ipcat] [--add HOST_PATH=IMAGE_PATH]..." >&2; exit 2; }
[[ $# -ge 1 && $1 != -* ]] || usage
out=$1; shift
binary="$(dirname "$0")/../dist/ipcat"
adds=()
while [[ $# -gt 0 ]]; do
  case "$1" in
  --binary) [[ $# -ge 2 ]] || usage; binary=$2; shift 2 ;;
  --no-ipcat) binary=""; shift ;;
  --add) [[ $# -ge 2 && $2 == *=/* ]] || usage; adds+=("$2"); shift 2 ;;
  *) usage ;;
  esac
done

busybox=/bin/busybox
# Debian's busybox (not static) would need its own libraries; the static one runs anywhere.
linkage=$(ldd "$busybox" 2>&1 || true)
if [[ ! -x $busybox || ( $linkage != *"not a dynamic executable"* && $linkage != *"statically linked"* ) ]]; then
  echo "rootfs.sh: $busybox is missing or not static (apt-get install busybox-static)" >&2
  exit 3
fi
[[ -z $binary || -x $binary ]] || { echo "rootfs.sh: $binary not found (npm run build)" >&2; exit 3; }

stage=$(mktemp -d /tmp/ipcat-rootfs-XXXXXX)
trap 'rm -rf "$stage"' EXIT
chmod 0755 "$stage"
mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,usr/local/bin,etc,tmp,ipc,root,proc,sys,dev}
chmod 1777 "$stage/tmp"
chmod 0777 "$stage/ipc"
cp "$busybox" "$stage/bin/busybox"
# Applet links where busybox itself says they live; relative, so they work in any root.
while IFS= read -r applet; do
  case "$applet" in
  bin/busybox | linuxrc | "") continue ;;
  bin/* | sbin/*) ln -sf ../bin/busybox "$stage/$applet" ;;
  usr/bin/* | usr/sbin/*) ln -sf ../../bin/busybox "$stage/$applet" ;;
  esac
done < <("$busybox" --list-full)

printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$stage/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$stage/etc/group"

libs=""
if [[ -n $binary ]]; then
  cp "$binary" "$stage/usr/local/bin/ipcat"
  chmod 0755 "$stage/usr/local/bin/ipcat"
  # Every library at the path the binary asks for (the loader's path is baked into it),
  # copied as a regular file even where the host has a symlink.
  libs=$(ldd "$binary" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }')
  [[ -n $libs ]] || { echo "rootfs.sh: ldd listed no libraries for $binary" >&2; exit 1; }
  for lib in $libs; do
    mkdir -p "$stage$(dirname "$lib")"
    cp -L "$lib" "$stage$lib"
  done
fi

for add in "${adds[@]}"; do
  src=${add%%=*}
  dest=${add#*=}
  [[ -f $src ]] || { echo "rootfs.sh: --add $src: no such file" >&2; exit 3; }
  mkdir -p "$stage$(dirname "$dest")"
  cp -p "$src" "$stage$dest"
done

mkdir -p "$(dirname "$out")"
tar --create --file "$out" --directory "$stage" --sort=name --mtime=@0 \
  --owner=0 --group=0 --numeric-owner .
echo "$out: busybox $(($(wc -l < <("$busybox" --list-full)) - 1)) applets${binary:+, ipcat, $(wc -w <<<"$libs") C library files}, $(du -h "$out" | cut -f1)"
