/* The routed-protocol echo in C, for the benchmark's peer figures: the same frames as
 * ipcat (docs/sock-protocol.md), nothing else.
 *   echo serve PATH                      one process per client, echoes MSG, PING -> PONG
 *                                        (a 1.0 server: it never offers per-channel credit)
 *   echo latency PATH COUNT SIZE         one message at a time; prints the p50 in ns
 *   echo pipeline PATH COUNT SIZE WINDOW keeps WINDOW in flight; prints COUNT START_MS END_MS
 * The clients offer protocol 1.1's per-channel credit; when the server accepts it they
 * keep within its window and grant theirs back (CREDIT frames), as ipcat's library does.
 * Built by bench/sock.bench.ts with gcc -O2. */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define MAXP (1 << 20)

static uint64_t crc64we(const char *s) {
  uint64_t crc = ~0ULL;
  for (; *s; s++) {
    crc ^= (uint64_t)(unsigned char)*s << 56;
    for (int i = 0; i < 8; i++) crc = crc & (1ULL << 63) ? (crc << 1) ^ 0x42F0E1EBA9EA3693ULL : crc << 1;
  }
  return ~crc;
}

static void put32(unsigned char *p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = v >> (8 * i); }
static void put64(unsigned char *p, uint64_t v) { for (int i = 0; i < 8; i++) p[i] = v >> (8 * i); }
static uint32_t get32(const unsigned char *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }
static uint64_t get64(const unsigned char *p) { return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32; }

/* A buffered reader of whole frames. */
typedef struct { int fd; unsigned char *buf; size_t start, end; } reader_t;

static unsigned char *next_frame(reader_t *r, uint32_t *size) {
  for (;;) {
    size_t have = r->end - r->start;
    if (have >= 8) {
      uint32_t n = get32(r->buf + r->start + 4);
      if (memcmp(r->buf + r->start, "IPCT", 4) || n == 0 || n > MAXP) { fprintf(stderr, "bad frame\n"); exit(1); }
      if (have >= 8 + n) { unsigned char *p = r->buf + r->start + 8; r->start += 8 + n; *size = n; return p; }
    }
    if (r->start > 0) { memmove(r->buf, r->buf + r->start, have); r->start = 0; r->end = have; }
    ssize_t got = read(r->fd, r->buf + r->end, 2 * MAXP - r->end);
    if (got <= 0) return NULL;
    r->end += got;
  }
}

static void write_all(int fd, const unsigned char *p, size_t n) {
  while (n > 0) { ssize_t w = write(fd, p, n); if (w <= 0) exit(1); p += w; n -= w; }
}

static size_t frame_header(unsigned char *out, uint32_t payload) { memcpy(out, "IPCT", 4); put32(out + 4, payload); return 8; }

static size_t connect_frame(unsigned char *out, int features) {
  frame_header(out, 13); out[8] = 1; out[9] = 1; out[10] = features ? 1 : 0; out[11] = features; out[12] = 0;
  put32(out + 13, MAXP); put32(out + 17, 0); return 21;
}

#define WINDOW_BYTES (256 * 1024)
static size_t credit_frame(unsigned char *out, uint64_t tag, uint32_t bytes) {
  frame_header(out, 13); out[8] = 6; put64(out + 9, tag); put32(out + 17, bytes); return 21;
}

static size_t msg_frame(unsigned char *out, uint64_t tag, uint64_t seq, uint64_t id, const unsigned char *data, size_t n) {
  frame_header(out, 25 + n); out[8] = 2; put64(out + 9, tag); put64(out + 17, seq); put64(out + 25, id);
  memcpy(out + 33, data, n); return 33 + n;
}

static void serve_client(int c) {
  reader_t r = {c, malloc(2 * MAXP), 0, 0};
  unsigned char *out = malloc(4 * MAXP);
  uint32_t n;
  if (!next_frame(&r, &n)) exit(0);
  write_all(c, out, connect_frame(out, 0));
  uint64_t seqs[64] = {0};
  for (;;) {
    size_t used = 0;
    do {
      unsigned char *p = next_frame(&r, &n);
      if (!p) { if (used) write_all(c, out, used); exit(0); }
      if (p[0] == 2) {
        uint64_t tag = get64(p + 1);
        used += msg_frame(out + used, tag, seqs[tag & 63]++, get64(p + 17), p + 25, n - 25);
      } else if (p[0] == 3 && p[9]) {
        frame_header(out + used, 14); out[used + 8] = 3; memcpy(out + used + 9, p + 1, 8); out[used + 17] = 0; put32(out + used + 18, 0);
        used += 22;
      } else if (p[0] == 4) {
        frame_header(out + used, 9); out[used + 8] = 5; memcpy(out + used + 9, p + 1, 8); used += 17;
      }
    } while (r.end > r.start && used < 2 * MAXP);
    write_all(c, out, used);
  }
}

static int dial(const char *path) {
  int s = socket(AF_UNIX, SOCK_STREAM, 0);
  struct sockaddr_un a = {0};
  a.sun_family = AF_UNIX;
  strncpy(a.sun_path, path, sizeof a.sun_path - 1);
  if (connect(s, (struct sockaddr *)&a, sizeof a)) { perror("connect"); exit(1); }
  return s;
}

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }
static double wall_ms(void) { struct timespec t; clock_gettime(CLOCK_REALTIME, &t); return t.tv_sec * 1e3 + t.tv_nsec / 1e6; }
static int cmp(const void *a, const void *b) { double x = *(double *)a, y = *(double *)b; return x < y ? -1 : x > y; }

int main(int argc, char **argv) {
  signal(SIGPIPE, SIG_IGN);
  uint64_t echo = crc64we("ipcat.echo");
  if (argc == 3 && !strcmp(argv[1], "serve")) {
    signal(SIGCHLD, SIG_IGN);
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a = {0};
    a.sun_family = AF_UNIX;
    strncpy(a.sun_path, argv[2], sizeof a.sun_path - 1);
    unlink(argv[2]);
    if (bind(s, (struct sockaddr *)&a, sizeof a) || listen(s, 256)) { perror("listen"); return 1; }
    for (;;) {
      int c = accept(s, NULL, NULL);
      if (c >= 0 && fork() == 0) { close(s); serve_client(c); }
      close(c);
    }
  }
  if (argc >= 5) {
    int s = dial(argv[2]);
    long count = atol(argv[3]);
    size_t size = atol(argv[4]);
    long window = argc > 5 ? atol(argv[5]) : 1;
    unsigned char *data = calloc(1, size + 1), *out = malloc(4 * MAXP);
    reader_t r = {s, malloc(2 * MAXP), 0, 0};
    uint32_t n;
    write_all(s, out, connect_frame(out, 1));
    unsigned char *p = next_frame(&r, &n);
    if (!p) return 1;
    int credit = (p[3] & 1) != 0; /* the server took per-channel credit */
    long send_credit = WINDOW_BYTES, consumed = 0;
    long sent = 0, got = 0;
    /* The next MSG from the server: CREDIT frames on the way add to our credit, and our
     * own window is granted back in halves, as the library does. */
#define NEXT_MSG() do { \
      for (;;) { \
        p = next_frame(&r, &n); \
        if (!p) return 1; \
        if (p[0] == 6) { send_credit += get32(p + 9); continue; } \
        if (p[0] != 2) continue; \
        if (credit && (consumed += n - 25) >= WINDOW_BYTES / 2) { write_all(s, out, credit_frame(out, 1, consumed)); consumed = 0; } \
        break; \
      } \
    } while (0)
    if (!strcmp(argv[1], "latency")) {
      double *rt = malloc(sizeof(double) * count);
      for (; sent < count; sent++) {
        double t0 = now();
        write_all(s, out, msg_frame(out, 1, sent, echo, data, size));
        if (credit) send_credit -= size;
        NEXT_MSG();
        rt[sent] = now() - t0;
      }
      qsort(rt, count, sizeof(double), cmp);
      printf("%.0f\n", rt[count / 2] * 1e9);
      return 0;
    }
    double t0 = wall_ms();
    while (got < count) {
      size_t used = 0;
      while (sent < count && sent - got < window && used < 3 * MAXP && (!credit || send_credit > 0)) {
        used += msg_frame(out + used, 1, sent, echo, data, size);
        if (credit) send_credit -= size;
        sent++;
      }
      if (used) write_all(s, out, used);
      if (got == sent) {
        /* Out of credit with nothing in flight: only a CREDIT can come, and waiting for
         * a MSG here would wait for ever. */
        p = next_frame(&r, &n);
        if (!p) return 1;
        if (p[0] == 6) send_credit += get32(p + 9);
        continue;
      }
      /* Only as many replies as are in flight: a CREDIT behind the last one is read by
       * the next round, not taken for the start of a reply that never comes. */
      do { NEXT_MSG(); got++; } while (r.end > r.start && got < sent);
    }
    printf("%ld %.3f %.3f\n", count, t0, wall_ms());
    return 0;
  }
  fprintf(stderr, "usage: echo serve PATH | echo latency PATH COUNT SIZE | echo pipeline PATH COUNT SIZE WINDOW\n");
  return 2;
}
