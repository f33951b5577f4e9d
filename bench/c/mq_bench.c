/*
 * The C side of ipcat's mq benchmark: the same work as ipcat, written plainly.
 *   mq_bench inproc N         send+receive N 8-byte messages on one queue; prints msgs/s
 *   mq_bench send NAME        each stdin line (newline removed) is one message
 *   mq_bench recv NAME N      receives N messages, each written to stdout with a newline
 */
#include <fcntl.h>
#include <mqueue.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  if (argc >= 3 && strcmp(argv[1], "inproc") == 0) {
    long n = atol(argv[2]);
    char name[64];
    snprintf(name, sizeof name, "/ipcat-bench-c-%d", getpid());
    struct mq_attr attr = {0};
    attr.mq_maxmsg = 10;
    attr.mq_msgsize = 64;
    mqd_t q = mq_open(name, O_CREAT | O_EXCL | O_RDWR, 0600, &attr);
    if (q < 0) { perror("mq_open"); return 1; }
    mq_unlink(name);
    char message[8] = "12345678", buffer[64];
    unsigned priority;
    double start = now();
    for (long i = 0; i < n; i++) {
      if (mq_send(q, message, sizeof message, 0) < 0) { perror("mq_send"); return 1; }
      if (mq_receive(q, buffer, sizeof buffer, &priority) < 0) { perror("mq_receive"); return 1; }
    }
    printf("%.0f\n", n / (now() - start));
    return 0;
  }
  if (argc >= 3 && strcmp(argv[1], "send") == 0) {
    mqd_t q = mq_open(argv[2], O_WRONLY);
    if (q < 0) { perror("mq_open"); return 1; }
    char *line = NULL;
    size_t size = 0;
    ssize_t len;
    while ((len = getline(&line, &size, stdin)) > 0) {
      if (line[len - 1] == '\n') len--;
      if (mq_send(q, line, len, 0) < 0) { perror("mq_send"); return 1; }
    }
    return 0;
  }
  if (argc >= 4 && strcmp(argv[1], "recv") == 0) {
    mqd_t q = mq_open(argv[2], O_RDONLY);
    if (q < 0) { perror("mq_open"); return 1; }
    struct mq_attr attr;
    mq_getattr(q, &attr);
    char *buffer = malloc(attr.mq_msgsize + 1);
    long n = atol(argv[3]);
    for (long i = 0; i < n; i++) {
      ssize_t len = mq_receive(q, buffer, attr.mq_msgsize, NULL);
      if (len < 0) { perror("mq_receive"); return 1; }
      buffer[len] = '\n';
      fwrite(buffer, 1, len + 1, stdout);
    }
    return 0;
  }
  fprintf(stderr, "usage: mq_bench inproc N | send NAME | recv NAME N\n");
  return 2;
}
