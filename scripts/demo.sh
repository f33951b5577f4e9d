#!/usr/bin/env bash
# `npm run demo`: a short, narrated, real run of what ipcat does, with the binary that
# `npm run build` just made. Everything it creates is removed at the end, even on Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
ipcat="$PWD/dist/ipcat"
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

step "ipcat is one binary: $(du -h "$ipcat" | cut -f1) on disk"
run "$ipcat" --version
run "$ipcat" --help
