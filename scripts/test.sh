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
if bun build.ts --release >"$logdir/build.log" 2>&1; then cat "$logdir/build.log"; count "build" 1 0 0; else cat "$logdir/build.log"; count "build" 0 1 0; fi

started_dockerd=""
# One daemon per checkout, so that two checkouts testing at once never share (or stop) one.
export IPCAT_DOCKERD_DIR="${IPCAT_DOCKERD_DIR:-/tmp/ipcat-dockerd-$(printf %s "$PWD" | md5sum | cut -c1-8)}"
# A daemon directory this run makes (data root, exec root, log) goes with the daemon.
made_dockerd_dir=""; [[ -e "$IPCAT_DOCKERD_DIR" ]] || made_dockerd_dir=1
if [[ -z "${DOCKER_HOST:-}" && $(id -u) -eq 0 ]] && command -v dockerd >/dev/null; then
  echo "== start the test dockerd"
  if line=$(scripts/dockerd.sh start); then export "$line"; started_dockerd=1; echo "$line"; else echo "could not start dockerd: docker tests will be skipped"; fi
fi
if [[ -n "${DOCKER_HOST:-}" ]]; then export IPCAT_TEST_DOCKER_HOST="$DOCKER_HOST"; fi
cleanup() {
  if [[ -n "$started_dockerd" ]]; then
    scripts/dockerd.sh stop
    [[ -n "$made_dockerd_dir" ]] && rm -rf "$IPCAT_DOCKERD_DIR"
  fi
  rm -rf "$logdir"
}
trap cleanup EXIT

# Counts come from the runners' JUnit reports, not from their human output.
junit() { # label xml-file runner-status
  local counts
  if [[ ! -s "$2" ]] || ! counts=$(bun scripts/junit_count.ts "$2"); then
    echo "$1 wrote no JUnit report"; count "$1" 0 1 0; return
  fi
  read -r p f s <<<"$counts"
  # A runner that failed with every case passing (a file that did not load) still failed.
  if [[ "$3" -ne 0 && "$f" -eq 0 ]]; then f=1; fi
  count "$1" "$p" "$f" "$s"
}

echo "== bun test (unit, adapter, end-to-end)"
filters=("$@"); [[ ${#filters[@]} -eq 0 ]] && filters=(src test bench scripts)
bun test --timeout 180000 --reporter=junit --reporter-outfile="$logdir/bun.xml" "${filters[@]}" 2>&1 | tee "$logdir/bun.log"
junit "bun test" "$logdir/bun.xml" "${PIPESTATUS[0]}"

# --doc also runs every @example block in src/ (its type check is test/e2e/doc_examples.test.ts).
echo "== deno test (unit, adapter, bench helpers, @example blocks)"
# A hung test must not hang CI: the whole Deno suite gets 20 minutes (it takes about 1).
timeout --signal=KILL 1200 deno test -A --no-check --doc --quiet --junit-path="$logdir/deno.xml" src bench scripts 2>&1 | sed 's/\x1b\[[0-9;]*m//g' | tee "$logdir/deno.log"
junit "deno test" "$logdir/deno.xml" "${PIPESTATUS[0]}"

echo
echo "$passed passed, $failed failed, $skipped skipped"
[[ $failed -eq 0 ]]
