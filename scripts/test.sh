#!/usr/bin/env bash
# The whole test suite: type check, build, unit and end-to-end tests under Bun, unit and
# adapter tests under Deno. Starts the project's own dockerd when root (scripts/dockerd.sh)
# so that the docker tests run against a real daemon, and stops it at the end.
#
# The last line is "N passed, N failed", summed over every suite that ran.
# Pass test file filters after `--` to run a subset under Bun: npm test -- test/mq
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PWD/node_modules/@deno/linux-x64-glibc:$PATH"
logdir=$(mktemp -d /tmp/ipcat-test-XXXXXX)
passed=0
failed=0
skipped=0

count() { # label passed failed skipped
  printf '%-28s %5d passed %5d failed %5d skipped\n' "$1" "$2" "$3" "$4"
  passed=$((passed + $2)); failed=$((failed + $3)); skipped=$((skipped + $4))
}

echo "== type check (tsc --noEmit)"
if tsc --noEmit -p tsconfig.json >"$logdir/tsc.log" 2>&1; then count "typecheck" 1 0 0; else cat "$logdir/tsc.log"; count "typecheck" 0 1 0; fi

echo "== lint and format (deno lint, deno fmt --check)"
if deno lint >"$logdir/lint.log" 2>&1; then count "lint" 1 0 0; else cat "$logdir/lint.log"; count "lint" 0 1 0; fi
if deno fmt --check >"$logdir/fmt.log" 2>&1; then count "format" 1 0 0; else cat "$logdir/fmt.log"; count "format" 0 1 0; fi

echo "== build dist/ipcat"
if bun build.ts >"$logdir/build.log" 2>&1; then cat "$logdir/build.log"; count "build" 1 0 0; else cat "$logdir/build.log"; count "build" 0 1 0; fi

started_dockerd=""
# One daemon per checkout, so that two checkouts testing at once never share (or stop) one.
export IPCAT_DOCKERD_DIR="${IPCAT_DOCKERD_DIR:-/tmp/ipcat-dockerd-$(printf %s "$PWD" | md5sum | cut -c1-8)}"
if [[ -z "${DOCKER_HOST:-}" && $(id -u) -eq 0 ]] && command -v dockerd >/dev/null; then
  echo "== start the test dockerd"
  if line=$(scripts/dockerd.sh start); then export "$line"; started_dockerd=1; echo "$line"; else echo "could not start dockerd: docker tests will be skipped"; fi
fi
if [[ -n "${DOCKER_HOST:-}" ]]; then export IPCAT_TEST_DOCKER_HOST="$DOCKER_HOST"; fi
cleanup() { [[ -n "$started_dockerd" ]] && scripts/dockerd.sh stop; rm -rf "$logdir"; }
trap cleanup EXIT

echo "== bun test (unit, adapter, end-to-end)"
filters=("$@"); [[ ${#filters[@]} -eq 0 ]] && filters=(src test bench)
bun test --timeout 180000 "${filters[@]}" 2>&1 | tee "$logdir/bun.log"
bun_pass=$(grep -Eo '^ *[0-9]+ pass$' "$logdir/bun.log" | grep -Eo '[0-9]+' | tail -1)
bun_fail=$(grep -Eo '^ *[0-9]+ fail$' "$logdir/bun.log" | grep -Eo '[0-9]+' | tail -1)
bun_skip=$(grep -Eo '^ *[0-9]+ skip$' "$logdir/bun.log" | grep -Eo '[0-9]+' | tail -1)
if [[ -z "$bun_pass$bun_fail" ]]; then bun_fail=1; echo "bun test printed no summary"; fi
count "bun test" "${bun_pass:-0}" "${bun_fail:-0}" "${bun_skip:-0}"

echo "== deno test (unit, adapter, bench helpers)"
deno test -A --no-check --quiet src bench 2>&1 | sed 's/\x1b\[[0-9;]*m//g' | tee "$logdir/deno.log"
# Deno runs node:test `it` blocks as steps of their `describe`. Count leaf results: a
# result line whose name did not open a group ("name ..." alone on a line) earlier.
read -r deno_pass deno_fail deno_skip < <(
  declare -A open=(); p=0; f=0; s=0
  while IFS= read -r line; do
    if [[ "$line" =~ ^(.*)\ \.\.\.$ ]]; then open["${BASH_REMATCH[1]}"]=1; continue; fi
    if [[ "$line" =~ ^(.*)\ \.\.\.\ (ok|FAILED|ignored) ]]; then
      name="${BASH_REMATCH[1]}"
      if [[ -n "${open[$name]:-}" ]]; then unset "open[$name]"; continue; fi
      case "${BASH_REMATCH[2]}" in ok) p=$((p + 1));; FAILED) f=$((f + 1));; *) s=$((s + 1));; esac
    fi
  done <"$logdir/deno.log"
  echo "$p $f $s")
if ! grep -qE '^(ok|FAILED) \| ' "$logdir/deno.log"; then deno_fail=$((deno_fail + 1)); echo "deno test printed no summary"; fi
if grep -qE '^FAILED \| ' "$logdir/deno.log" && [[ $deno_fail -eq 0 ]]; then deno_fail=1; fi
count "deno test" "$deno_pass" "$deno_fail" "$deno_skip"

echo
echo "$passed passed, $failed failed, $skipped skipped"
[[ $failed -eq 0 ]]
