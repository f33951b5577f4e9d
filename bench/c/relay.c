/* The physical limit for `ipcat sock serve --raw` / `ipcat sock connect`: the same relay
 * in C with 128 KiB buffers and one process per direction.
 *   relay listen PATH CMD [ARGS...]  each connection is the stdin/stdout of a fresh CMD
 *   relay connect PATH               stdin -> socket -> stdout, half-closing at stdin EOF
 * Built by bench/sock.bench.ts with gcc -O2. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define BUF (128 * 1024)

static void die(const char *what) { perror(what); exit(1); }

static struct sockaddr_un address(const char *path) {
  struct sockaddr_un a = {0};
  a.sun_family = AF_UNIX;
  strncpy(a.sun_path, path, sizeof a.sun_path - 1);
  return a;
}

/* Copies everything from `in` to `out`, 128 KiB at a time; returns at EOF or error. */
static void copy(int in, int out) {
  static char buf[BUF];
  for (;;) {
    ssize_t n = read(in, buf, BUF);
    if (n <= 0) return;
    for (ssize_t off = 0; off < n;) { ssize_t w = write(out, buf + off, n - off); if (w < 0) return; off += w; }
  }
}

/* Relays both ways, one process per direction (blocking writes cannot deadlock then):
 * in_a -> out_a in a child that half-closes out_a at EOF, in_b -> out_b here. */
static void pump(int in_a, int out_a, int in_b, int out_b, int out_a_is_socket) {
  pid_t child = fork();
  if (child == 0) {
    copy(in_a, out_a);
    if (out_a_is_socket) shutdown(out_a, SHUT_WR); else close(out_a);
    _exit(0);
  }
  if (!out_a_is_socket) close(out_a);
  copy(in_b, out_b);
  waitpid(child, NULL, 0);
}

int main(int argc, char **argv) {
  signal(SIGPIPE, SIG_IGN);
  if (argc >= 4 && !strcmp(argv[1], "listen")) {
    signal(SIGCHLD, SIG_IGN);
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a = address(argv[2]);
    unlink(argv[2]);
    if (bind(s, (struct sockaddr *)&a, sizeof a) || listen(s, 128)) die("listen");
    for (;;) {
      int c = accept(s, NULL, NULL);
      if (c < 0) continue;
      if (fork() == 0) {
        int to_child[2], from_child[2];
        if (pipe(to_child) || pipe(from_child)) die("pipe");
        signal(SIGCHLD, SIG_DFL);
        pid_t pid = fork();
        if (pid == 0) {
          dup2(to_child[0], 0); dup2(from_child[1], 1);
          close(to_child[1]); close(from_child[0]); close(c); close(s);
          execvp(argv[3], argv + 3);
          die("exec");
        }
        close(to_child[0]); close(from_child[1]);
        pump(c, to_child[1], from_child[0], c, 0);
        shutdown(c, SHUT_WR);
        waitpid(pid, NULL, 0);
        _exit(0);
      }
      close(c);
    }
  }
  if (argc == 3 && !strcmp(argv[1], "connect")) {
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a = address(argv[2]);
    if (connect(s, (struct sockaddr *)&a, sizeof a)) die("connect");
    pump(0, s, s, 1, 1);
    return 0;
  }
  fprintf(stderr, "usage: relay listen PATH CMD... | relay connect PATH\n");
  return 2;
}
