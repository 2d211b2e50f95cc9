/* wanlink: a user-space WAN link between a TUN device in the root namespace and one in a test
 * namespace (this kernel has no netem). Per direction: loss, then a drop-tail bottleneck (rate in
 * packets/s, queue in packets), then delay + jitter; packets never overtake each other.
 * Traps: the TUN devices must already exist (scripts/lib/wan-bench.sh makes them persistent, so a
 * restart keeps addresses and routes); only IPv4 packets with an address in 198.18.0.0/15 pass.
 *
 *   wanlink --root-dev NAME --netns PATH --ns-dev NAME [--delay MS] [--jitter MS] [--loss PCT]
 *           [--rate PPS] [--queue N] [--seed N] [--out-delay MS] [--back-loss PCT] ... [--drop-log FILE]
 * "out" is root -> namespace (the scanner's probes), "back" is namespace -> root (the answers);
 * --delay/--jitter/--loss/--rate/--queue set both, --out-X/--back-X one. Prints "ready" when both
 * devices are attached, counters on SIGTERM/SIGINT (and on SIGUSR1 without exiting); late_max_us
 * and late_over_5ms say how far the emulator itself lagged behind the delays it was asked for.
 * Runs SCHED_FIFO when it may (root): on a busy machine the emulator must not be the slow part.
 * Build: gcc -O2 -Wall -o .build/wanlink bench/wanlink.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define SLOT_BYTES 2048
#define SLOTS 16384 /* per direction: 20k pps x 0.3 s in flight fits */

typedef struct {
    double delay_ms, jitter_ms, loss_pct, rate_pps;
    long queue;
} Params;

typedef struct {
    const char *name;
    Params p;
    int in_fd, out_fd;
    unsigned char *data;   /* SLOTS x SLOT_BYTES */
    uint16_t *len;
    int64_t *release_ns;
    long head, count;
    int64_t busy_until_ns; /* bottleneck: when the last queued packet has left it */
    int64_t last_release_ns;
    uint64_t received, forwarded, lost, queue_dropped, overflow_dropped, foreign_dropped, write_failed;
    int64_t late_max_ns;   /* how far behind its release time a packet was written: the emulator's own lag */
    uint64_t late_over_5ms;
} Direction;

static volatile sig_atomic_t stop_requested, report_requested;
static FILE *drop_log; /* --drop-log FILE: "DIR CAUSE T_NS SRC_PORT DST_PORT TCP_FLAGS" per dropped TCP packet */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rng_next(void) { /* xorshift64*: deterministic for a given --seed */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1DULL;
}
static double rng_unit(void) { return (rng_next() >> 11) * (1.0 / 9007199254740992.0); }

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void on_signal(int sig) {
    if (sig == SIGUSR1) report_requested = 1;
    else stop_requested = 1;
}

static int open_tun(const char *name) {
    int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) { perror("open /dev/net/tun"); return -1; }
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
    snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) { fprintf(stderr, "TUNSETIFF %s: %s\n", name, strerror(errno)); close(fd); return -1; }
    return fd;
}

/* 198.18.0.0/15 only: whatever else the kernel routes into the device is not ours to carry. */
static int in_bench_range(const unsigned char *a) { return a[0] == 198 && (a[1] == 18 || a[1] == 19); }

static int carries(const unsigned char *pkt, ssize_t n) {
    return n >= 20 && (pkt[0] >> 4) == 4 && in_bench_range(pkt + 12) && in_bench_range(pkt + 16);
}

static void log_drop(const Direction *d, const unsigned char *pkt, ssize_t n, int64_t now, const char *cause) {
    if (!drop_log || n < 20 || pkt[9] != 6) return;
    size_t ihl = (size_t)(pkt[0] & 15) * 4;
    if ((size_t)n < ihl + 14) return;
    const unsigned char *tcp = pkt + ihl;
    fprintf(drop_log, "%s %s %lld %u %u %u\n", d->name, cause, (long long)now,
            (unsigned)(tcp[0] << 8 | tcp[1]), (unsigned)(tcp[2] << 8 | tcp[3]), (unsigned)tcp[13]);
}

static void enqueue(Direction *d, const unsigned char *pkt, ssize_t n, int64_t now) {
    d->received++;
    if (!carries(pkt, n)) { d->foreign_dropped++; return; }
    if (d->p.loss_pct > 0 && rng_unit() * 100.0 < d->p.loss_pct) { d->lost++; log_drop(d, pkt, n, now, "loss"); return; }
    int64_t leaves = now;
    if (d->p.rate_pps > 0) {
        int64_t service = (int64_t)(1e9 / d->p.rate_pps);
        int64_t start = d->busy_until_ns > now ? d->busy_until_ns : now;
        long backlog = (long)((start - now + service - 1) / service); /* packets still waiting */
        if (backlog >= d->p.queue) { d->queue_dropped++; log_drop(d, pkt, n, now, "queue"); return; }
        d->busy_until_ns = start + service;
        leaves = d->busy_until_ns;
    }
    if (d->count == SLOTS) { d->overflow_dropped++; return; }
    double jitter = d->p.jitter_ms > 0 ? (rng_unit() * 2.0 - 1.0) * d->p.jitter_ms : 0.0;
    double delay = d->p.delay_ms + jitter;
    int64_t release = leaves + (int64_t)((delay > 0 ? delay : 0) * 1e6);
    if (release < d->last_release_ns) release = d->last_release_ns; /* no reordering */
    d->last_release_ns = release;
    long slot = (d->head + d->count) % SLOTS;
    memcpy(d->data + (size_t)slot * SLOT_BYTES, pkt, (size_t)n);
    d->len[slot] = (uint16_t)n;
    d->release_ns[slot] = release;
    d->count++;
}

static void read_all(Direction *d) {
    unsigned char buf[SLOT_BYTES];
    for (int i = 0; i < 64; i++) { /* small batches: releases due meanwhile must not wait behind reads */
        ssize_t n = read(d->in_fd, buf, sizeof buf);
        if (n < 0) {
            if (errno != EAGAIN && errno != EINTR && errno != EIO) fprintf(stderr, "read %s: %s\n", d->name, strerror(errno));
            return;
        }
        enqueue(d, buf, n, now_ns());
    }
}

static void release_due(Direction *d, int64_t now) {
    while (d->count > 0 && d->release_ns[d->head] <= now) {
        int64_t late = now - d->release_ns[d->head];
        if (late > d->late_max_ns) d->late_max_ns = late;
        d->late_over_5ms += late > 5000000;
        ssize_t w = write(d->out_fd, d->data + (size_t)d->head * SLOT_BYTES, d->len[d->head]);
        if (w < 0) d->write_failed++;
        else d->forwarded++;
        d->head = (d->head + 1) % SLOTS;
        d->count--;
    }
}

static void report(Direction *dirs) {
    for (int i = 0; i < 2; i++) {
        Direction *d = &dirs[i];
        printf("%s received %llu forwarded %llu dropped_loss %llu dropped_queue %llu dropped_overflow %llu "
               "dropped_foreign %llu write_failed %llu in_flight %ld late_max_us %lld late_over_5ms %llu\n", d->name,
               (unsigned long long)d->received, (unsigned long long)d->forwarded, (unsigned long long)d->lost,
               (unsigned long long)d->queue_dropped, (unsigned long long)d->overflow_dropped,
               (unsigned long long)d->foreign_dropped, (unsigned long long)d->write_failed, d->count,
               (long long)(d->late_max_ns / 1000), (unsigned long long)d->late_over_5ms);
    }
    fflush(stdout);
    if (drop_log) fflush(drop_log);
}

static void usage(void) {
    fprintf(stderr, "usage: wanlink --root-dev NAME --netns PATH --ns-dev NAME [--delay MS] [--jitter MS] "
                    "[--loss PCT] [--rate PPS] [--queue N] [--seed N]\n"
                    "       (--out-X / --back-X for one direction; out = root -> namespace)\n");
    exit(2);
}

static int set_param(Params *p, const char *key, const char *value) {
    char *end;
    double v = strtod(value, &end);
    if (*end || v < 0) return -1;
    if (!strcmp(key, "delay")) p->delay_ms = v;
    else if (!strcmp(key, "jitter")) p->jitter_ms = v;
    else if (!strcmp(key, "loss")) p->loss_pct = v;
    else if (!strcmp(key, "rate")) p->rate_pps = v;
    else if (!strcmp(key, "queue")) p->queue = (long)v;
    else return -1;
    return 0;
}

int main(int argc, char **argv) {
    const char *root_dev = NULL, *ns_dev = NULL, *netns = NULL;
    Params out = {40, 2, 1, 0, 300}, back = {40, 2, 1, 0, 300};
    for (int i = 1; i < argc; i++) {
        if (i + 1 >= argc || strncmp(argv[i], "--", 2)) usage();
        const char *key = argv[i] + 2, *value = argv[++i];
        if (!strcmp(key, "root-dev")) root_dev = value;
        else if (!strcmp(key, "ns-dev")) ns_dev = value;
        else if (!strcmp(key, "netns")) netns = value;
        else if (!strcmp(key, "drop-log")) {
            if (!(drop_log = fopen(value, "a"))) { perror(value); return 1; }
            setvbuf(drop_log, NULL, _IOFBF, 1 << 20);
        }
        else if (!strcmp(key, "seed")) rng_state = strtoull(value, NULL, 10) * 0x9e3779b97f4a7c15ULL + 1;
        else if (!strncmp(key, "out-", 4)) { if (set_param(&out, key + 4, value)) usage(); }
        else if (!strncmp(key, "back-", 5)) { if (set_param(&back, key + 5, value)) usage(); }
        else if (set_param(&out, key, value) || set_param(&back, key, value)) usage();
    }
    if (!root_dev || !ns_dev || !netns) usage();

    int root_fd = open_tun(root_dev);
    if (root_fd < 0) return 1;
    int ns_fd = open(netns, O_RDONLY | O_CLOEXEC);
    if (ns_fd < 0 || setns(ns_fd, CLONE_NEWNET) < 0) { fprintf(stderr, "setns %s: %s\n", netns, strerror(errno)); return 1; }
    close(ns_fd);
    int test_fd = open_tun(ns_dev);
    if (test_fd < 0) return 1;

    /* Real-time priority: on a loaded machine a normal thread waits its turn for hundreds of ms, and
     * then the emulator, not the emulated link, sets the delays. Blocking in ppoll, it uses little. */
    struct sched_param sp = {.sched_priority = 20};
    const char *priority = "realtime";
    if (sched_setscheduler(0, SCHED_FIFO, &sp) < 0) priority = nice(-10) == -1 ? "normal" : "nice -10";

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL);

    Direction dirs[2] = {
        {.name = "out", .p = out, .in_fd = root_fd, .out_fd = test_fd},
        {.name = "back", .p = back, .in_fd = test_fd, .out_fd = root_fd},
    };
    for (int i = 0; i < 2; i++) {
        dirs[i].data = malloc((size_t)SLOTS * SLOT_BYTES);
        dirs[i].len = calloc(SLOTS, sizeof(uint16_t));
        dirs[i].release_ns = calloc(SLOTS, sizeof(int64_t));
        if (!dirs[i].data || !dirs[i].len || !dirs[i].release_ns) { fprintf(stderr, "out of memory\n"); return 1; }
    }
    printf("ready (%s priority) out delay %.1f jitter %.1f loss %.2f rate %.0f queue %ld; back delay %.1f jitter %.1f loss %.2f rate %.0f queue %ld\n",
           priority, out.delay_ms, out.jitter_ms, out.loss_pct, out.rate_pps, out.queue,
           back.delay_ms, back.jitter_ms, back.loss_pct, back.rate_pps, back.queue);
    fflush(stdout);

    struct pollfd fds[2] = {{.fd = root_fd, .events = POLLIN}, {.fd = test_fd, .events = POLLIN}};
    while (!stop_requested) {
        if (report_requested) { report_requested = 0; report(dirs); }
        int64_t now = now_ns(), next = -1;
        for (int i = 0; i < 2; i++)
            if (dirs[i].count > 0 && (next < 0 || dirs[i].release_ns[dirs[i].head] < next)) next = dirs[i].release_ns[dirs[i].head];
        struct timespec timeout = {1, 0};
        if (next >= 0) {
            int64_t wait = next > now ? next - now : 0;
            timeout.tv_sec = wait / 1000000000LL;
            timeout.tv_nsec = wait % 1000000000LL;
        }
        int ready = ppoll(fds, 2, &timeout, NULL);
        if (ready < 0 && errno != EINTR) { perror("ppoll"); break; }
        if (ready > 0) {
            if (fds[0].revents & POLLIN) read_all(&dirs[0]);
            if (fds[1].revents & POLLIN) read_all(&dirs[1]);
        }
        now = now_ns();
        release_due(&dirs[0], now);
        release_due(&dirs[1], now);
    }
    report(dirs);
    return 0;
}
