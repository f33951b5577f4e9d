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
export PATH="$root/dist:$PATH"
work=$(mktemp -d /tmp/ipcat-demo-XXXXXX)
tag="ipcat-demo-$$"
queue="/$tag"
# The seed scripts the demo serves, next to the sockets, so that commands read short.
cp "$root"/test/fixtures/scenarios/*.sh "$work/"
cd "$work"

bold=$'\033[1m' dim=$'\033[2m' off=$'\033[0m'
[[ -t 1 ]] || bold="" dim="" off=""
step() { printf '\n%s== %s%s\n' "$bold" "$*" "$off"; }
say() { printf '%s# %s%s\n' "$dim" "$*" "$off"; }
# Prints a command as one would type it: words quoted only where the shell needs it.
show() {
  local out="$" word
  for word in "$@"; do
    if [[ $word =~ ^[A-Za-z0-9_./:=@%+,-]+$ || $word == [\|\&\<…] ]]; then out+=" $word"; else out+=" '${word//\'/\'\\\'\'}'"; fi
  done
  printf '%s\n' "$out"
}
run() { show "$@"; "$@"; }
# Runs a command whose exit status is part of the story, and says it.
run_status() { show "$@"; local status=0; "$@" || status=$?; say "exit status $status"; }
# Starts a command in the background (registered for cleanup), its output to LOG, its
# input from $start_input (default: none).
start() {
  local log=$1
  shift
  show "$@" "&"
  "$@" <"${start_input:-/dev/null}" >"$log" 2>&1 &
  background+=($!)
}

# --- everything the demo creates, so that cleanup removes exactly that -------------------
background=()      # PIDs of processes started here
containers=()      # container names
volumes=()         # volume names
image=""           # image reference
started_dockerd="" # IPCAT_DOCKERD_DIR of the daemon started here
engine_socket=""   # unix socket of the daemon in use (for image and volume removal)

# `ipcat docker` has no rmi or volume rm (and the docker CLI is not used here):
# images and volumes are removed through the Engine API.
engine_delete() { [[ -n $engine_socket ]] && curl -fs -o /dev/null --unix-socket "$engine_socket" -X DELETE "http://docker$1"; }

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
  for name in "${containers[@]}"; do ipcat docker rm -f "$name" >/dev/null 2>&1; done
  [[ -n $image ]] && engine_delete "/images/$image?force=1"
  for name in "${volumes[@]}"; do engine_delete "/volumes/$name?force=1"; done
  ipcat mq unlink "$queue" >/dev/null 2>&1
  cd /
  if [[ -n $started_dockerd ]]; then IPCAT_DOCKERD_DIR=$started_dockerd "$root/scripts/dockerd.sh" stop; fi
  rm -rf "$work"
  say "removed the servers, queue and sockets${image:+, the containers, image and volumes}${started_dockerd:+, and the dockerd started here}"
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

step "ipcat is one binary ($(du -h "$root/dist/ipcat" | cut -f1) on disk, linked only to the C library)"
run ipcat --version

# --- POSIX message queues ------------------------------------------------------------------
step "POSIX message queues (ipcat mq)"
say "A message queue lives in the kernel; any process that knows its name can use it."
run ipcat mq create "$queue"
run ipcat mq send "$queue" "hello from the demo"
run ipcat mq send "$queue" "this one is urgent" --priority 5
run ipcat mq stat "$queue"
say "Higher priority first, then in order of sending:"
run ipcat mq recv "$queue" --count 2
run ipcat mq unlink "$queue"

step "The AppScope/AppView request protocol over a pair of queues (seeds 002 and 003)"
say "'ipcat mq serve' plays the library inside a process; 'ipcat mq status PID' is the CLI asking it."
start mq-serve.log ipcat mq serve
mq_server=${background[-1]}
run ipcat mq status "$mq_server"

# --- unix-socket script server -------------------------------------------------------------
step "A script server on a unix socket (seed 001)"
say "The server runs server_app.sh for each client; stdin, stdout, stderr and the exit status travel."
start sock-serve.log ipcat sock serve app.sock -- ./server_app.sh
sock_server=${background[-1]}
show echo exit=0 "|" ipcat sock run app.sock --wait 10
echo exit=0 | ipcat sock run app.sock --wait 10
show echo exit=42 "|" ipcat sock run app.sock
status=0
echo exit=42 | ipcat sock run app.sock || status=$?
say "the client exited with $status: the script's own status"

step "The seed's own line protocol, unchanged: START, then SUCCESS or FAIL"
start raw-serve.log ipcat sock serve --raw raw.sock -- ./start_handler.sh
say "The answer comes a second after the client's EOF; socat would have cut it off at 0.5 s."
show echo START "|" ipcat sock connect raw.sock --wait 10
echo START | ipcat sock connect raw.sock --wait 10

step "A killed server leaves its socket file behind; the next start reuses it"
run kill -KILL "$sock_server"
wait "$sock_server" 2>/dev/null || true
run ls -l app.sock
start sock-serve2.log ipcat sock serve app.sock -- ./server_app.sh
show echo exit=0 "|" ipcat sock run app.sock --wait 10
echo exit=0 | ipcat sock run app.sock --wait 10 2>/dev/null
say "what the new server said:"
sed 's/^/  /' sock-serve2.log

# --- containers ------------------------------------------------------------------------------
step "Containers (ipcat docker), every one with network mode none"
docker_skip=""
if [[ ! -x /bin/busybox ]]; then
  docker_skip="/bin/busybox is missing, and the demo's image is made from it (apt-get install busybox-static)"
elif ipcat docker ping >/dev/null 2>&1; then
  say "using the Docker daemon at ${DOCKER_HOST:-unix:///var/run/docker.sock}"
elif [[ $(id -u) -eq 0 ]] && command -v dockerd >/dev/null; then
  say "no Docker daemon answers here: starting the project's own (scripts/dockerd.sh)"
  started_dockerd="$work/dockerd"
  # In its own session, so that Ctrl-C on this terminal leaves it to the cleanup below,
  # which still needs it to remove the containers and the image.
  line=$(IPCAT_DOCKERD_DIR=$started_dockerd setsid -w "$root/scripts/dockerd.sh" start)
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

say "An image with nothing but busybox, ipcat and the C library files ipcat needs (ldd):"
show scripts/rootfs.sh rootfs.tar --add server_app.sh=/scripts/server_app.sh …
"$root/scripts/rootfs.sh" rootfs.tar --add "$PWD/server_app.sh=/scripts/server_app.sh" --add "$PWD/job.sh=/scripts/job.sh"
image="$tag:latest"
run ipcat docker import rootfs.tar "$image"
rm -f rootfs.tar

step "Seed 000: start a container, read its output, talk to it"
gui="$tag-gui"
containers+=("$gui")
run ipcat docker run -d -i --network none --name "$gui" "$image" sh -c \
  'token=$(head -c 6 /dev/urandom | od -An -tx1 | tr -d " \n"); echo "token=$token"; while read -r line; do if [ "$line" = "$token" ]; then echo "right token: hello"; else echo "wrong token"; fi; done'
wait_for_output "token=" ipcat docker logs "$gui"
run ipcat docker logs "$gui"
token=$(ipcat docker logs "$gui" | sed -n 's/^token=//p')
say "attach, type the token, read the answer:"
mkfifo attach.in
exec 3<>attach.in # held open (read-write, so opening never blocks) until the answer is in
start_input=attach.in start attach.out ipcat docker attach "$gui"
echo "$token" >&3
printf '%s   %s(typed into the attach)%s\n' "$token" "$dim" "$off"
wait_for_output "hello" cat attach.out
cat attach.out
exec 3>&-
run ipcat docker stop -t 1 "$gui"
run ipcat docker rm "$gui"

step "Seed 001 across containers: a script server in A, its client in B, a shared volume"
volumes+=("$tag-ipc")
mount="$tag-ipc:/ipc"
containers+=("$tag-a" "$tag-b")
run ipcat docker run -d --network none --name "$tag-a" -v "$mount" "$image" \
  ipcat sock serve /ipc/app.sock -- /scripts/server_app.sh
say "B waits for A's socket (no 'ss' needed), sends its request, and exits with the script's status:"
run_status ipcat docker run --rm --network none --name "$tag-b" -v "$mount" "$image" \
  sh -c 'echo exit=42 | ipcat sock run /ipc/app.sock --wait 30'
say "SIGKILL A: its socket file stays on the volume. Start A again:"
run ipcat docker kill -s KILL "$tag-a"
run ipcat docker start "$tag-a"
run_status ipcat docker run --rm --network none --name "$tag-b" -v "$mount" "$image" \
  sh -c 'echo exit=0 | ipcat sock run /ipc/app.sock --wait 30 2>/dev/null'
run ipcat docker logs "$tag-a"

step "Seeds 002/003 across IPC namespaces: a server in a container, the client on the host"
containers+=("$tag-mq")
run ipcat docker run -d --network none --name "$tag-mq" "$image" ipcat mq serve
mq_pid=$(ipcat docker inspect "$tag-mq" | grep -o '"Pid": *[0-9]*' | grep -o '[0-9]*$')
say "The server is PID 1 in its container and $mq_pid on the host; the client enters its IPC namespace:"
run ipcat mq details "$mq_pid"
say "And the other way: the server on this host (PID $mq_server), the client in a container that"
say "shares the host's IPC namespace (--ipc host) but not its PIDs, so it names the queue pair:"
run ipcat docker run --rm --network none --ipc host "$image" \
  ipcat mq request --in "/ScopeIPCIn.$mq_server" --out "/ScopeIPCOut.$mq_server" '{"req":1}'

step "Seed 004: a routed daemon in A; clients in B and C; C killed mid-stream"
containers+=("$tag-d" "$tag-c" "$tag-b4")
run ipcat docker run -d --network none --name "$tag-d" -v "$mount" "$image" \
  ipcat sock serve /ipc/daemon.sock --allow-args -- /scripts/job.sh
run ipcat docker run -d --network none --name "$tag-c" -v "$mount" "$image" \
  ipcat sock run /ipc/daemon.sock --wait 30 -- ticks 600
run ipcat docker run -d --network none --name "$tag-b4" -v "$mount" "$image" sh -c \
  'ipcat sock run /ipc/daemon.sock --wait 30 -- ticks 20 | tail -1 & for i in 1 2 3; do ipcat sock call /ipc/daemon.sock ipcat.echo "hello $i" --json & done; wait'
wait_for_output "tick 3" ipcat docker logs "$tag-c"
run ipcat docker kill -s KILL "$tag-c"
show ipcat docker wait "$tag-b4"
say "B exited with $(ipcat docker wait "$tag-b4"); its channels:"
run ipcat docker logs "$tag-b4"
say "A's log: C's client context freed when C died, with the channel it left open; B's complete:"
run ipcat docker logs "$tag-d"
