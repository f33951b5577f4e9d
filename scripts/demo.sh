#!/usr/bin/env bash
# `npm run demo`: a short, narrated, real run of what ipcat does, with the binary that
# `npm run build` just made. Everything it creates is removed at the end, even on Ctrl-C:
# processes, sockets, queues, containers, the image, volumes and the dockerd it started.
#
# The host part (message queues, the request protocol, socket script servers) always runs.
# The container part needs a Docker daemon: the one at DOCKER_HOST (or the default socket)
# if it answers, else the project's own (scripts/dockerd.sh) when run as root; otherwise it
# is skipped with one line saying why.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
ipcat="$root/dist/ipcat"
fixtures="$root/test/fixtures/scenarios"
work=$(mktemp -d /tmp/ipcat-demo-XXXXXX)
tag="ipcat-demo-$$"
queue="/$tag"

bold=$'\033[1m' dim=$'\033[2m' off=$'\033[0m'
[[ -t 1 ]] || bold="" dim="" off=""
step() { printf '\n%s== %s%s\n' "$bold" "$*" "$off"; }
say() { printf '%s# %s%s\n' "$dim" "$*" "$off"; }
show() { printf '$ %s\n' "$*"; }
run() { show "$*"; "$@"; }
# Runs a command that is expected to fail, and says with which status.
run_status() { show "$*"; local status=0; "$@" || status=$?; say "exit status $status"; }

# --- everything the demo creates, so that cleanup removes exactly that ---------------
background=()      # PIDs of processes started here
containers=()      # container names
volumes=()         # volume names
image=""           # image reference
started_dockerd="" # IPCAT_DOCKERD_DIR of the daemon started here
engine_socket=""   # unix socket of the daemon in use (for image and volume removal)

# The docker family has no rmi or volume rm (the docker CLI is not used here either):
# images and volumes go through the Engine API directly.
engine_delete() { [[ -n $engine_socket ]] && curl -fsS -o /dev/null --unix-socket "$engine_socket" -X DELETE "http://docker$1"; }

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  set +e
  printf '\n%s== cleaning up%s\n' "$bold" "$off"
  for pid in "${background[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${background[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  for name in "${containers[@]}"; do "$ipcat" docker rm -f "$name" >/dev/null 2>&1; done
  [[ -n $image ]] && engine_delete "/images/$image?force=1"
  for name in "${volumes[@]}"; do engine_delete "/volumes/$name?force=1"; done
  "$ipcat" mq unlink "$queue" >/dev/null 2>&1
  if [[ -n $started_dockerd ]]; then IPCAT_DOCKERD_DIR=$started_dockerd scripts/dockerd.sh stop; fi
  rm -rf "$work"
  say "removed: ${#background[@]} processes, ${#containers[@]} containers, ${image:+1 image, }${#volumes[@]} volumes, the queue and sockets${started_dockerd:+, the dockerd started here}"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Reruns COMMAND until its output contains TEXT (output of background processes).
wait_for_output() {
  local text=$1
  shift
  for _ in $(seq 1 300); do
    "$@" 2>&1 | grep -F -- "$text" >/dev/null && return 0
    sleep 0.1
  done
  echo "demo: timed out waiting for '$text' from: $*" >&2
  "$@" >&2 || true
  return 1
}

step "ipcat is one binary ($(du -h "$ipcat" | cut -f1) on disk, linked only to the C library)"
run "$ipcat" --version

# --- POSIX message queues ---------------------------------------------------------------
step "POSIX message queues (ipcat mq)"
say "A message queue lives in the kernel; any process that knows its name can use it."
run "$ipcat" mq create "$queue"
run "$ipcat" mq send "$queue" "hello from the demo"
run "$ipcat" mq send "$queue" "this one is urgent" --priority 5
run "$ipcat" mq stat "$queue"
say "Higher priority first, then in order:"
run "$ipcat" mq recv "$queue" --count 2
run "$ipcat" mq unlink "$queue"

step "The AppScope/AppView request protocol over a pair of queues (seeds 002 and 003)"
say "'ipcat mq serve' plays the library inside a process; 'ipcat mq status PID' is the CLI asking it."
show "$ipcat mq serve &"
"$ipcat" mq serve >"$work/mq-serve.log" 2>&1 &
mq_server=$!
background+=("$mq_server")
run "$ipcat" mq status "$mq_server"
run "$ipcat" mq details "$mq_server"

# --- unix-socket script server ----------------------------------------------------------
step "A script server on a unix socket (seed 001)"
say "The server runs server_app.sh for each client; its stdin, stdout, stderr and exit status travel."
show "$ipcat sock serve $work/app.sock -- $fixtures/server_app.sh &"
"$ipcat" sock serve "$work/app.sock" -- "$fixtures/server_app.sh" >"$work/sock-serve.log" 2>&1 &
sock_server=$!
background+=("$sock_server")
show "echo exit=0 | $ipcat sock run $work/app.sock --wait 10"
echo exit=0 | "$ipcat" sock run "$work/app.sock" --wait 10
show "echo exit=42 | $ipcat sock run $work/app.sock"
status=0
echo exit=42 | "$ipcat" sock run "$work/app.sock" || status=$?
say "the client exited with $status, the script's own status"

step "The same line protocol as the seed's socat scripts: START, then SUCCESS or FAIL"
show "$ipcat sock serve --raw $work/raw.sock -- $fixtures/start_handler.sh &"
"$ipcat" sock serve --raw "$work/raw.sock" -- "$fixtures/start_handler.sh" >"$work/raw-serve.log" 2>&1 &
raw_server=$!
background+=("$raw_server")
say "The answer comes a second after the client's EOF; socat would have cut it off at 0.5 s."
show "echo START | $ipcat sock connect $work/raw.sock --wait 10"
echo START | "$ipcat" sock connect "$work/raw.sock" --wait 10

step "A killed server leaves its socket file behind; the next start reuses it"
run kill -KILL "$sock_server"
wait "$sock_server" 2>/dev/null || true
run ls -l "$work/app.sock"
show "$ipcat sock serve $work/app.sock -- $fixtures/server_app.sh &"
"$ipcat" sock serve "$work/app.sock" -- "$fixtures/server_app.sh" >"$work/sock-serve2.log" 2>&1 &
background+=($!)
show "echo exit=0 | $ipcat sock run $work/app.sock --wait 10"
echo exit=0 | "$ipcat" sock run "$work/app.sock" --wait 10
say "what the new server said on stderr:"
sed 's/^/  /' "$work/sock-serve2.log"

# --- containers ---------------------------------------------------------------------------
step "Containers (ipcat docker), each with network mode none"
docker_skip=""
if "$ipcat" docker ping >/dev/null 2>&1; then
  say "using the Docker daemon at ${DOCKER_HOST:-unix:///var/run/docker.sock}"
elif [[ $(id -u) -eq 0 ]] && command -v dockerd >/dev/null; then
  say "no Docker daemon answers here: starting the project's own (scripts/dockerd.sh)"
  started_dockerd="$work/dockerd"
  line=$(IPCAT_DOCKERD_DIR=$started_dockerd scripts/dockerd.sh start)
  export "${line?}"
else
  docker_skip="no Docker daemon answers at ${DOCKER_HOST:-unix:///var/run/docker.sock}, and starting one needs root and dockerd (apt-get install docker.io)"
fi

if [[ -n $docker_skip ]]; then
  echo "container part skipped: $docker_skip"
  exit 0
fi
host=${DOCKER_HOST:-unix:///var/run/docker.sock}
[[ $host == unix://* ]] && engine_socket=${host#unix://}

say "An image with nothing but busybox, ipcat and the C library files it needs:"
run scripts/rootfs.sh "$work/rootfs.tar" --add "$fixtures/server_app.sh=/scripts/server_app.sh" \
  --add "$fixtures/start_handler.sh=/scripts/start_handler.sh" --add "$fixtures/job.sh=/scripts/job.sh"
image="$tag:latest"
run "$ipcat" docker import "$work/rootfs.tar" "$image"
rm -f "$work/rootfs.tar"

step "Seed 000: start a container, read its output, talk to it"
containers+=("$tag-gui")
run "$ipcat" docker run -d -i --network none --name "$tag-gui" "$image" \
  sh -c 'token=$(head -c 6 /dev/urandom | od -An -tx1 | tr -d " \n"); echo "token=$token"; while read -r line; do if [ "$line" = "$token" ]; then echo "right token, hello GUI"; else echo "wrong token"; fi; done'
wait_for_output "token=" "$ipcat" docker logs "$tag-gui"
run "$ipcat" docker logs "$tag-gui"
token=$("$ipcat" docker logs "$tag-gui" | sed -n 's/^token=//p')
say "attach, send the token back, read the answer:"
mkfifo "$work/attach.in"
show "$ipcat docker attach $tag-gui"
"$ipcat" docker attach "$tag-gui" <"$work/attach.in" >"$work/attach.out" 2>&1 &
attach_pid=$!
background+=("$attach_pid")
exec 3>"$work/attach.in"
echo "$token" >&3
show "$token"
wait_for_output "hello GUI" cat "$work/attach.out"
cat "$work/attach.out"
exec 3>&-
run "$ipcat" docker stop -t 1 "$tag-gui"
wait "$attach_pid" 2>/dev/null || true
run "$ipcat" docker rm "$tag-gui"

step "Seed 001 across containers: a script server in A, its client in B, a shared volume"
volumes+=("$tag-ipc")
mount="$tag-ipc:/ipc"
containers+=("$tag-a")
run "$ipcat" docker run -d --network none --name "$tag-a" -v "$mount" "$image" \
  ipcat sock serve /ipc/app.sock -- /scripts/server_app.sh
say "B waits for A's socket (no 'ss' needed), sends its request, and exits with the script's status:"
containers+=("$tag-b")
run_status "$ipcat" docker run --rm --network none --name "$tag-b" -v "$mount" "$image" \
  sh -c 'echo exit=42 | ipcat sock run /ipc/app.sock --wait 30'
say "SIGKILL A: its socket file stays on the volume. Start A again:"
run "$ipcat" docker kill -s KILL "$tag-a"
run "$ipcat" docker start "$tag-a"
run "$ipcat" docker run --rm --network none --name "$tag-b" -v "$mount" "$image" \
  sh -c 'echo exit=0 | ipcat sock run /ipc/app.sock --wait 30'
run "$ipcat" docker logs "$tag-a"

step "Seeds 002/003 across IPC namespaces: a server in a container, the client on the host"
containers+=("$tag-mq")
run "$ipcat" docker run -d --network none --name "$tag-mq" "$image" ipcat mq serve
mq_pid=$("$ipcat" docker inspect "$tag-mq" | grep -o '"Pid": *[0-9]*' | grep -o '[0-9]*$')
say "A's server has PID 1 in its container and $mq_pid on the host; the client enters its IPC namespace:"
run "$ipcat" mq details "$mq_pid"

step "Seed 004: a routed daemon in A; clients in B and C; C killed mid-stream"
containers+=("$tag-d" "$tag-c")
run "$ipcat" docker run -d --network none --name "$tag-d" -v "$mount" "$image" \
  ipcat sock serve /ipc/daemon.sock --allow-args -- /scripts/job.sh
run "$ipcat" docker run -d --network none --name "$tag-c" -v "$mount" "$image" \
  ipcat sock run /ipc/daemon.sock --wait 30 -- ticks 600
wait_for_output "tick 3" "$ipcat" docker logs "$tag-c"
run "$ipcat" docker kill -s KILL "$tag-c"
run "$ipcat" docker run --rm --network none -v "$mount" "$image" \
  sh -c 'ipcat sock call /ipc/daemon.sock ipcat.services; echo "several channels at once:"; for i in 1 2 3; do echo "hello $i" | ipcat sock call /ipc/daemon.sock ipcat.echo - & done; wait'
say "A's log: C's client context was freed when C died:"
"$ipcat" docker logs "$tag-d" 2>&1 | sed 's/^/  /'
