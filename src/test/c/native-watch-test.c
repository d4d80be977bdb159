/*
 * Tests of monitor.c (the native watch), run by coi.monitor.NativeWatchTest: built with the pom's gcc flags
 * together with look-double.c (a scripted stand-in for monitor-look.c). monitor.c is included (with util.c,
 * which it uses) so that its parts (the parser, the detectors, the kill) are tested on their own too. Needs root
 * (fanotify, the process events connector, tmpfs, nftables). Prints each failure and exits 1 when any check failed.
 *
 * usage: native-watch-test SCRATCH_DIR [NFT_TABLE]
 * The fence counters are read from real nftables: a table inet NFT_TABLE (coitest-nl-watch-PID when not given)
 * made with nft and deleted at the end, at exit, or on a fatal signal.
 */
#include "../../main/c/monitor.c"
#include "../../main/c/util.c"

#include <ftw.h>
#include <sys/mount.h>
#include <sys/wait.h>

#include "look-double.h"

static int checks, failures;

#define CHECK(cond, ...)                                                   \
    do {                                                                   \
        checks++;                                                          \
        if (!(cond)) {                                                     \
            failures++;                                                    \
            fprintf(stderr, "FAIL %s:%d: %s: ", __func__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                  \
            fputc('\n', stderr);                                           \
        }                                                                  \
    } while (0)

/* a path that does not fit is a broken test setup */
#define FMT(b, ...)                                                     \
    do {                                                                \
        int fmt_len_ = snprintf(b, sizeof b, __VA_ARGS__);              \
        if (fmt_len_ < 0 || fmt_len_ >= (int)sizeof b) {                \
            fprintf(stderr, "%s:%d: a path too long\n", __FILE__, __LINE__); \
            exit(2);                                                    \
        }                                                               \
    } while (0)

#define CHECK_STR(got, want) CHECK(strcmp((got), (want)) == 0, "got \"%s\", want \"%s\"", (got), (want))

static char scratch_dir[1024];

/* ---- files ---- */

static void put_file(const char *path, const char *text, size_t len) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || write_all(fd, text, len) < 0) {
        fprintf(stderr, "cannot write %s: %s\n", path, strerror(errno));
        exit(2);
    }
    close(fd);
}

static void put_text(const char *path, const char *text) {
    put_file(path, text, strlen(text));
}

static ssize_t get_text(const char *path, char *buf, size_t n) {
    return read_small(path, buf, n);
}

static void mkdirs(const char *path) {
    char p[MON_PATH];
    FMT(p, "%s", path);
    for (char *s = p + 1; *s; s++) {
        if (*s == '/') {
            *s = 0;
            mkdir(p, 0755);
            *s = '/';
        }
    }
    mkdir(p, 0755);
}

static void path_of(char *out, size_t n, const char *rel) {
    snprintf(out, n, "%s/%s", scratch_dir, rel);
}

/* ---- real nftables: a table of this program's own (inet coitest-nl-...), deleted at its end however it ends ---- */

static char nl_table[MON_NAME];
static const char *nft_binary;
static char *nft_drop_argv[8];
static int nl_table_made;

static const char *find_nft(void) {
    static const char *const places[] = {"/usr/sbin/nft", "/sbin/nft", "/usr/bin/nft", "/bin/nft"};
    for (size_t i = 0; i < sizeof places / sizeof *places; i++)
        if (access(places[i], X_OK) == 0) return places[i];
    return places[0];
}

/*
 * Runs nft with argv (argv[0] is "nft") and stdin; its exit status (-1 when it could not run), its stdout in out
 * (NUL-terminated, cut at n - 1 bytes) when out is given. Async-signal-safe when stdin and out are NULL.
 */
static int nft_cmd(char *const argv[], const char *stdin_text, char *out, size_t n) {
    int in[2] = {-1, -1}, o[2] = {-1, -1};
    if (stdin_text && pipe2(in, O_CLOEXEC) < 0) return -1;
    if (out && pipe2(o, O_CLOEXEC) < 0) return -1;
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR);
        dup2(stdin_text ? in[0] : null, 0);
        dup2(out ? o[1] : null, 1);
        if (!stdin_text) dup2(null, 2); /* nft's complaints only for the table's making */
        char *envp[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", NULL};
        execve(nft_binary, argv, envp);
        _exit(127);
    }
    if (stdin_text) {
        close(in[0]);
        if (write_all(in[1], stdin_text, strlen(stdin_text)) < 0) fprintf(stderr, "nft: cannot write its input\n");
        close(in[1]);
    }
    if (out) {
        close(o[1]);
        size_t have = 0;
        for (;;) {
            char sink[512];
            char *to = have + 1 < n ? out + have : sink;
            size_t room = have + 1 < n ? n - 1 - have : sizeof sink;
            ssize_t r = read(o[0], to, room);
            if (r < 0 && errno == EINTR) continue;
            if (r <= 0) break;
            if (to != sink) have += (size_t)r;
        }
        out[have] = 0;
        close(o[0]);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR) return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void nl_table_drop(void) {
    if (nl_table_made) nft_cmd(nft_drop_argv, NULL, NULL, 0);
}

static void nl_table_drop_on_signal(int sig) {
    nl_table_drop();
    signal(sig, SIG_DFL);
    raise(sig);
}

/* The table with its counters (packets as given here); 0, or -1 when nft could not make it. */
static int nl_table_make(void) {
    static char family[] = "inet", delete[] = "delete", table[] = "table", nft[] = "nft";
    nft_binary = find_nft();
    char *argv[] = {nft, delete, table, family, nl_table, NULL};
    memcpy(nft_drop_argv, argv, sizeof argv);
    nl_table_made = 1;
    atexit(nl_table_drop);
    int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT};
    for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++) signal(sigs[i], nl_table_drop_on_signal);
    nl_table_drop(); /* a run that was killed before it could delete it */
    char script[2048], *f[] = {nft, "-f", "-", NULL};
    FMT(script,
        "add table inet %s\n"
        "add counter inet %s coi-x-1.blocked { packets 42 bytes 2520 }\n"
        "add counter inet %s dns { packets 5 bytes 300 }\n"
        "add counter inet %s wide { packets 5000000123 bytes 1 }\n"
        "add counter inet %s beyond { packets 9223372036854775808 bytes 1 }\n"
        "add quota inet %s q { over 10 mbytes }\n",
        nl_table, nl_table, nl_table, nl_table, nl_table, nl_table);
    return nft_cmd(f, script, NULL, 0) == 0 ? 0 : -1;
}

/* What `nft -j list counter inet TABLE NAME` says its packets are; -2 when it says no such object, -3 otherwise. */
static long long nft_says(const char *table, const char *name) {
    static char out[16384];
    char *argv[] = {"nft", "-j", "list", "counter", "inet", (char *)table, (char *)name, NULL};
    int r = nft_cmd(argv, NULL, out, sizeof out);
    if (r != 0) return r == 1 ? -2 : -3;
    const char *at = strstr(out, "\"counter\":");
    at = at ? strstr(at, "\"packets\":") : NULL;
    if (!at) return -3;
    char *end;
    errno = 0;
    long long v = strtoll(at + 10, &end, 10);
    return errno || end == at + 10 ? -3 : v;
}

/* ---- fence counters through nf_tables' netlink ---- */

static struct watched cw;

/* cw, in the watch, with those counters ("" for none) in table of family; nothing read yet. */
static void setup_counters(const char *family, const char *table, const char *blocked, const char *dns) {
    memset(&cw, 0, sizeof cw);
    cw.fan_fd = -1;
    snprintf(cw.t.container, sizeof cw.t.container, "c");
    snprintf(cw.t.blocked_counter, sizeof cw.t.blocked_counter, "%s", blocked);
    snprintf(cw.t.dns_counter, sizeof cw.t.dns_counter, "%s", dns);
    snprintf(nft_family, sizeof nft_family, "%s", family);
    snprintf(nft_table, sizeof nft_table, "%s", table);
    watch[0] = &cw;
    nwatch = 1;
}

/* A read of them as the watch does it first (mon_start: at most a second). */
static void read_counters(const char *family, const char *table, const char *blocked, const char *dns) {
    setup_counters(family, table, blocked, dns);
    counters_first(&cw);
}

static void watch_clear(void) {
    nwatch = 0;
    watch[0] = NULL;
}

static int polled(const struct pollfd *p, int k, int fd) {
    for (int i = 0; i < k; i++)
        if (p[i].fd == fd) return 1;
    return 0;
}

static void test_counters_real(int table_ok) {
    CHECK(table_ok, "nft could not make table inet %s", nl_table);
    if (!table_ok) return;
    /* as nft reads them */
    static const char *const names[] = {"coi-x-1.blocked", "dns", "wide"};
    static const long long want[] = {42, 5, 5000000123LL};
    for (int i = 0; i < 3; i++) {
        read_counters("inet", nl_table, names[i], "");
        long long says = nft_says(nl_table, names[i]);
        CHECK(!cw.reading && cw.blocked == want[i] && cw.blocked == says, "%s: %lld, nft says %lld", names[i], cw.blocked, says);
        CHECK(cw.dns == -1, "no dns counter named: %lld", cw.dns);
    }
    /* both in one read */
    read_counters("inet", nl_table, "coi-x-1.blocked", "dns");
    CHECK(!cw.reading && cw.blocked == 42 && cw.dns == 5, "both: %lld %lld", cw.blocked, cw.dns);
    /* no such counter, table, or counter of that family: 0, as nft's "No such file or directory" is to NetworkFence.counter */
    char absent[MON_NAME];
    FMT(absent, "%s-absent", nl_table);
    CHECK(nft_says(nl_table, "missing") == -2 && nft_says(absent, "dns") == -2, "nft says no such object");
    read_counters("inet", nl_table, "coi-x-1.blocked", "missing");
    CHECK(!cw.reading && cw.blocked == 42 && cw.dns == 0, "a missing counter is 0: %lld %lld", cw.blocked, cw.dns);
    read_counters("inet", absent, "coi-x-1.blocked", "dns");
    CHECK(!cw.reading && cw.blocked == 0 && cw.dns == 0, "a missing table: %lld %lld", cw.blocked, cw.dns);
    read_counters("bridge", nl_table, "dns", "");
    CHECK(!cw.reading && cw.blocked == 0, "the table of another family: %lld", cw.blocked);
    /* an object of that name that is no counter: no such counter, for nft too */
    CHECK(nft_says(nl_table, "q") == -2, "nft: the quota is no counter");
    read_counters("inet", nl_table, "q", "");
    CHECK(!cw.reading && cw.blocked == 0, "the quota: %lld", cw.blocked);
    /* a count beyond a long (nft prints it negative, Java's asLong too): unknown, and so both */
    read_counters("inet", nl_table, "beyond", "dns");
    CHECK(!cw.reading && cw.blocked == -1 && cw.dns == -1, "beyond a long: %lld %lld", cw.blocked, cw.dns);
    /* a family nft does not know: unknown, nothing asked */
    read_counters("inetx", nl_table, "dns", "");
    CHECK(!cw.reading && cw.blocked == -1, "an unknown family: %lld", cw.blocked);
    /* a reset counter, read again after a second (at most one read a second) */
    char *reset[] = {"nft", "reset", "counter", "inet", nl_table, "dns", NULL};
    CHECK(nft_cmd(reset, NULL, NULL, 0) == 0, "nft reset counter");
    read_counters("inet", nl_table, "dns", "");
    CHECK(cw.blocked == 0 && nft_says(nl_table, "dns") == 0, "reset: %lld", cw.blocked);
    long long at = cw.counters_at;
    counters_start(&cw, mono_ns());
    CHECK(!cw.reading && cw.counters_at == at, "not again within a second");
    counters_start(&cw, at + 1000000000LL);
    CHECK(cw.reading, "again after a second");
    for (long long end = mono_ns() + 1000000000LL; cw.reading && mono_ns() < end;) {
        struct pollfd p[4];
        int k = mon_pollfds(p, 4);
        CHECK(polled(p, k, nft_fd), "the socket in the poll set while a read waits");
        if (poll(p, (nfds_t)k, 100) > 0) mon_handle(p, k);
    }
    CHECK(!cw.reading && cw.blocked == 0, "read through the poll set: %lld", cw.blocked);
    struct pollfd none[4];
    CHECK(!polled(none, mon_pollfds(none, 4), nft_fd), "not in the poll set with no read waiting");

    /* an answer that comes after its read was given up is dropped: the next read has its own */
    read_counters("inet", nl_table, "coi-x-1.blocked", "");
    cw.counters_at = 0;
    counters_start(&cw, mono_ns());
    CHECK(cw.reading, "started");
    nft_timeout_ms = 0;
    struct timespec ms = {0, 1000000};
    nanosleep(&ms, NULL);
    counters_service(&cw, mono_ns());
    nft_timeout_ms = 10000;
    CHECK(!cw.reading && cw.blocked == -1, "given up: %lld", cw.blocked);
    cw.counters_at = 0;
    counters_first(&cw);
    CHECK(!cw.reading && cw.blocked == 42, "the late answer dropped, the new one read: %lld", cw.blocked);

    /* no answer within nft_timeout_ms: unknown. A socket the kernel never answers is not to be had: this one is a
       socket pair's end, whose peer says nothing (what is tested is the waiter's side: the timeout, the due time) */
    int pair[2];
    CHECK(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, pair) == 0, "socketpair");
    int real = nft_fd;
    nft_fd = pair[0];
    setup_counters("inet", nl_table, "coi-x-1.blocked", "");
    nft_timeout_ms = 300;
    long long start = mono_ns();
    counters_start(&cw, start);
    CHECK(cw.reading, "started");
    CHECK(mon_due_ms() <= (start + 300000000LL + 999999) / 1000000, "due by its timeout: %lld", mon_due_ms() - start / 1000000);
    while (cw.reading && mono_ns() - start < 3000000000LL) {
        struct pollfd p[4];
        int k = mon_pollfds(p, 4);
        long long wait = mon_due_ms() - mono_ns() / 1000000;
        poll(p, (nfds_t)k, wait < 0 ? 0 : (int)wait);
        mon_handle(p, k);
        counters_service(&cw, mono_ns());
    }
    long long took = (mono_ns() - start) / 1000000;
    CHECK(!cw.reading && cw.blocked == -1, "unanswered: %lld", cw.blocked);
    CHECK(took >= 300 && took < 2000, "at its timeout: %lld ms", took);
    nft_timeout_ms = 10000;
    nft_fd = real;
    close(pair[0]);
    close(pair[1]);
    watch_clear();
}

/* Many reads at once into a receive buffer too small for their answers: each ends read right or unknown, none hangs. */
static void test_counters_lost(int table_ok) {
    if (!table_ok) return;
    static struct watched many[MON_MAX_TARGETS];
    int tiny = 1, real = nft_fd;
    long long dns = nft_says(nl_table, "dns");
    nft_fd = nft_open();
    CHECK(nft_fd >= 0 && setsockopt(nft_fd, SOL_SOCKET, SO_RCVBUF, &tiny, sizeof tiny) == 0, "a small socket");
    snprintf(nft_family, sizeof nft_family, "inet");
    snprintf(nft_table, sizeof nft_table, "%s", nl_table);
    memset(many, 0, sizeof many);
    long long start = mono_ns();
    for (int i = 0; i < MON_MAX_TARGETS; i++) {
        snprintf(many[i].t.blocked_counter, sizeof many[i].t.blocked_counter, "coi-x-1.blocked");
        snprintf(many[i].t.dns_counter, sizeof many[i].t.dns_counter, "dns");
        many[i].fan_fd = -1;
        watch[i] = &many[i];
        counters_start(&many[i], start);
    }
    nwatch = MON_MAX_TARGETS;
    nft_timeout_ms = 500;
    int waiting = 1;
    while (waiting && mono_ns() - start < 3000000000LL) {
        struct pollfd p[4];
        int k = mon_pollfds(p, 4);
        long long wait = mon_due_ms() - mono_ns() / 1000000;
        if (poll(p, (nfds_t)k, wait < 0 ? 0 : (int)wait) > 0) mon_handle(p, k);
        waiting = 0;
        for (int i = 0; i < MON_MAX_TARGETS; i++) {
            counters_service(&many[i], mono_ns());
            waiting |= many[i].reading;
        }
    }
    nft_timeout_ms = 10000;
    int read = 0, unknown = 0;
    for (int i = 0; i < MON_MAX_TARGETS; i++) {
        if (many[i].blocked == 42 && many[i].dns == dns) read++;
        else if (many[i].blocked == -1 && many[i].dns == -1) unknown++;
    }
    fprintf(stderr, "%d reads into a small buffer: %d read, %d unknown, in %lld ms\n", MON_MAX_TARGETS, read, unknown, (mono_ns() - start) / 1000000);
    CHECK(!waiting && read + unknown == MON_MAX_TARGETS, "each read or unknown: %d + %d", read, unknown);
    CHECK(unknown > 0, "some answers lost (the test's premise)");
    /* the socket still answers the next read */
    nwatch = 1;
    many[0].t.dns_counter[0] = 0;
    many[0].counters_at = 0;
    start = mono_ns();
    counters_start(&many[0], start);
    while (many[0].reading && mono_ns() - start < 1000000000LL) {
        struct pollfd p = {.fd = nft_fd, .events = POLLIN};
        if (poll(&p, 1, 100) > 0) mon_handle(&p, 1);
    }
    CHECK(!many[0].reading && many[0].blocked == 42, "read again after answers were lost: %lld", many[0].blocked);
    close(nft_fd);
    nft_fd = real;
    nwatch = 0;
}

/* ---- the answers' parser, on messages made here ---- */

struct msg {
    unsigned char b[512] __attribute__((aligned(8)));
    size_t len;
};

static void msg_attr(struct msg *m, unsigned short type, const void *data, size_t n) {
    if (nl_put(m->b, sizeof m->b, &m->len, type, data, n) < 0) {
        fprintf(stderr, "a test message does not fit\n");
        exit(2);
    }
}

static void msg_header(struct msg *m, unsigned short type, int family) {
    memset(m, 0, sizeof *m);
    m->len = NLMSG_HDRLEN;
    struct nfgenmsg g = {.nfgen_family = (unsigned char)family, .version = NFNETLINK_V0};
    memcpy(m->b + m->len, &g, sizeof g);
    m->len += NLMSG_ALIGN(sizeof g);
    struct nlmsghdr h = {.nlmsg_type = type, .nlmsg_seq = 7};
    memcpy(m->b, &h, sizeof h);
}

static void msg_end(struct msg *m) {
    unsigned len = (unsigned)m->len;
    memcpy(m->b, &len, sizeof len);
}

static void be64(unsigned char *p, unsigned long long v) {
    for (int i = 7; i >= 0; i--, v >>= 8) p[i] = (unsigned char)v;
}

/* A counter object as the kernel answers it (table, name, type, use, handle, data {bytes, packets}). */
static void counter_msg(struct msg *m, const char *table, const char *name, unsigned type, const unsigned char *data, size_t data_len) {
    msg_header(m, (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWOBJ, 1);
    msg_attr(m, NFTA_OBJ_TABLE, table, strlen(table) + 1);
    msg_attr(m, NFTA_OBJ_NAME, name, strlen(name) + 1);
    unsigned t = htonl(type), use = htonl(1);
    msg_attr(m, NFTA_OBJ_TYPE, &t, 4);
    msg_attr(m, NFTA_OBJ_USE, &use, 4);
    unsigned char handle[8];
    be64(handle, 3);
    msg_attr(m, NFTA_OBJ_HANDLE, handle, 8);
    msg_attr(m, NFTA_OBJ_DATA | NLA_F_NESTED, data, data_len);
    msg_end(m);
}

/* The data of a counter: bytes, then packets (attributes as given). */
static size_t counter_data(unsigned char *d, size_t cap, unsigned long long packets, size_t packets_len, int twice) {
    size_t len = 0;
    unsigned char v[8], bytes[8];
    be64(v, packets);
    be64(bytes, 2520);
    if (nl_put(d, cap, &len, NFTA_COUNTER_BYTES, bytes, 8) < 0 || nl_put(d, cap, &len, NFTA_COUNTER_PACKETS, v + 8 - packets_len, packets_len) < 0
        || (twice && nl_put(d, cap, &len, NFTA_COUNTER_PACKETS, v, 8) < 0)) {
        fprintf(stderr, "counter data does not fit\n");
        exit(2);
    }
    return len;
}

static long long answer(const struct msg *m) {
    return nft_answer(m->b, m->len, 1, "t", "c");
}

static void test_nft_answer(void) {
    unsigned char d[64];
    struct msg m;
    size_t dl = counter_data(d, sizeof d, 42, 8, 0);
    counter_msg(&m, "t", "c", NFT_OBJECT_COUNTER, d, dl);
    CHECK(answer(&m) == 42, "the counter: %lld", answer(&m));
    /* cut anywhere: unknown (its data come last: no cut leaves a whole counter) */
    int cut_ok = 1;
    for (size_t n = 0; n < m.len; n++) {
        unsigned char *copy = malloc(n ? n : 1); /* exactly n bytes: a read past them is ASan's to see */
        memcpy(copy, m.b, n);
        if (nft_answer(copy, n, 1, "t", "c") != -1) cut_ok = 0;
        free(copy);
    }
    CHECK(cut_ok, "every cut message is unknown");
    /* every single byte changed to every value: no read past it, and never a count but 42 */
    int flips_ok = 1;
    unsigned char *copy = malloc(m.len);
    for (size_t i = 0; i < m.len; i++) {
        for (int v = 0; v < 256; v++) {
            memcpy(copy, m.b, m.len);
            copy[i] = (unsigned char)v;
            long long r = nft_answer(copy, m.len, 1, "t", "c");
            if (r != -1 && r != 0 && r != 42 && !(i >= m.len - 8)) flips_ok = 0; /* the last 8 bytes are the count itself */
        }
    }
    free(copy);
    CHECK(flips_ok, "a changed byte gives -1, 0 (an error) or 42, but in the count itself");
    dl = counter_data(d, sizeof d, (1ULL << 63) - 1, 8, 0);
    counter_msg(&m, "t", "c", NFT_OBJECT_COUNTER, d, dl);
    CHECK(answer(&m) == LLONG_MAX, "the largest long: %lld", answer(&m));
    dl = counter_data(d, sizeof d, 1ULL << 63, 8, 0);
    counter_msg(&m, "t", "c", NFT_OBJECT_COUNTER, d, dl);
    CHECK(answer(&m) == -1, "beyond a long: %lld", answer(&m));
    dl = counter_data(d, sizeof d, 42, 4, 0);
    counter_msg(&m, "t", "c", NFT_OBJECT_COUNTER, d, dl);
    CHECK(answer(&m) == -1, "packets of 4 bytes: %lld", answer(&m));
    dl = counter_data(d, sizeof d, 42, 8, 1);
    counter_msg(&m, "t", "c", NFT_OBJECT_COUNTER, d, dl);
    CHECK(answer(&m) == -1, "packets twice: %lld", answer(&m));
    dl = counter_data(d, sizeof d, 42, 8, 0);
    counter_msg(&m, "t", "c", 2, d, dl);
    CHECK(answer(&m) == -1, "a quota: %lld", answer(&m));
    counter_msg(&m, "u", "c", NFT_OBJECT_COUNTER, d, dl);
    CHECK(answer(&m) == -1, "another table: %lld", answer(&m));
    counter_msg(&m, "t", "cc", NFT_OBJECT_COUNTER, d, dl);
    CHECK(answer(&m) == -1, "another name: %lld", answer(&m));
    CHECK(nft_answer(m.b, m.len, 1, "t", "cc") == 42, "that name asked: 42");
    counter_msg(&m, "t", "c", NFT_OBJECT_COUNTER, d, dl - 12); /* bytes only */
    CHECK(answer(&m) == -1, "no packets: %lld", answer(&m));
    counter_msg(&m, "t", "c", NFT_OBJECT_COUNTER, d, dl);
    CHECK(nft_answer(m.b, m.len, 7, "t", "c") == -1, "another family");
    /* the name without its NUL, or with more after it */
    msg_header(&m, (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWOBJ, 1);
    msg_attr(&m, NFTA_OBJ_TABLE, "t", 2);
    msg_attr(&m, NFTA_OBJ_NAME, "c", 1);
    unsigned t = htonl(NFT_OBJECT_COUNTER);
    msg_attr(&m, NFTA_OBJ_TYPE, &t, 4);
    msg_attr(&m, NFTA_OBJ_DATA, d, dl);
    msg_end(&m);
    CHECK(answer(&m) == -1, "a name without its NUL");
    msg_header(&m, (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWOBJ, 1);
    msg_attr(&m, NFTA_OBJ_TABLE, "t", 2);
    msg_attr(&m, NFTA_OBJ_NAME, "c\0x", 4);
    msg_attr(&m, NFTA_OBJ_TYPE, &t, 4);
    msg_attr(&m, NFTA_OBJ_DATA, d, dl);
    msg_end(&m);
    CHECK(answer(&m) == -1, "a name with more after its NUL");
    /* an attribute whose length is short, or runs past the message */
    counter_msg(&m, "t", "c", NFT_OBJECT_COUNTER, d, dl);
    size_t first = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct nfgenmsg));
    unsigned short bad_len[] = {0, 1, 3, (unsigned short)(m.len - first + 1), 0xffff};
    for (size_t i = 0; i < sizeof bad_len / sizeof *bad_len; i++) {
        struct msg b = m;
        memcpy(b.b + first, &bad_len[i], 2);
        CHECK(answer(&b) == -1, "attribute length %u", bad_len[i]);
    }
    /* errors */
    msg_header(&m, NLMSG_ERROR, 0);
    m.len = NLMSG_HDRLEN;
    int e = -ENOENT;
    memcpy(m.b + m.len, &e, 4);
    m.len += 4;
    msg_end(&m);
    CHECK(answer(&m) == 0, "ENOENT: no such object, 0");
    CHECK(nft_answer(m.b, m.len - 1, 1, "t", "c") == -1, "an error cut short");
    e = -EPERM;
    memcpy(m.b + NLMSG_HDRLEN, &e, 4);
    CHECK(answer(&m) == -1, "EPERM: unknown");
    e = 0;
    memcpy(m.b + NLMSG_HDRLEN, &e, 4);
    CHECK(answer(&m) == -1, "an ack without the object: unknown");
    msg_header(&m, NLMSG_DONE, 0);
    msg_end(&m);
    CHECK(answer(&m) == -1, "NLMSG_DONE: unknown");
    msg_header(&m, (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWOBJ, 1);
    m.len = NLMSG_HDRLEN + 2;
    msg_end(&m);
    CHECK(answer(&m) == -1, "a message cut in its nfgenmsg");

    /* datagrams: each message to the read of its sequence number; one cut or too long fails its read */
    static struct watched w;
    memset(&w, 0, sizeof w);
    w.fan_fd = -1;
    snprintf(w.t.blocked_counter, sizeof w.t.blocked_counter, "c");
    snprintf(w.t.dns_counter, sizeof w.t.dns_counter, "d");
    snprintf(nft_family, sizeof nft_family, "inet");
    snprintf(nft_table, sizeof nft_table, "t");
    watch[0] = &w;
    nwatch = 1;
    struct msg c, dn;
    counter_msg(&c, "t", "c", NFT_OBJECT_COUNTER, d, dl);
    counter_msg(&dn, "t", "d", NFT_OBJECT_COUNTER, d, dl);
    unsigned char gram[1024] __attribute__((aligned(8)));
    for (int variant = 0; variant < 5; variant++) {
        w.reading = 1;
        w.ctr[0] = (struct counter_read){.seq = 100, .value = -1};
        w.ctr[1] = (struct counter_read){.seq = 101, .value = -1};
        struct nlmsghdr h;
        size_t n = 0;
        /* an answer to no read first */
        memcpy(gram, c.b, c.len);
        memcpy(&h, gram, sizeof h);
        h.nlmsg_seq = 99;
        memcpy(gram, &h, sizeof h);
        n += NLMSG_ALIGN(c.len);
        memcpy(gram + n, c.b, c.len);
        memcpy(&h, gram + n, sizeof h);
        h.nlmsg_seq = 100;
        memcpy(gram + n, &h, sizeof h);
        n += NLMSG_ALIGN(c.len);
        size_t at = n;
        memcpy(gram + n, dn.b, dn.len);
        memcpy(&h, gram + n, sizeof h);
        h.nlmsg_seq = 101;
        if (variant == 1) h.nlmsg_len = (unsigned)(dn.len + 1);    /* longer than what is left */
        if (variant == 2) h.nlmsg_len = NLMSG_HDRLEN - 1;          /* shorter than its header */
        memcpy(gram + n, &h, sizeof h);
        n += dn.len;
        if (variant == 3) n = at + NLMSG_HDRLEN - 4;              /* its header cut: not read, left to the timeout */
        if (variant == 4) n = at + 20;                             /* cut in its body */
        unsigned char *exact = malloc(n);
        memcpy(exact, gram, n);
        counters_datagram(exact, n);
        free(exact);
        if (variant == 0) CHECK(!w.reading && w.blocked == 42 && w.dns == 42, "two answers in one datagram: %lld %lld", w.blocked, w.dns);
        if (variant == 1 || variant == 2 || variant == 4)
            CHECK(!w.reading && w.blocked == -1 && w.dns == -1, "variant %d: a bad message fails its read: %lld %lld", variant, w.blocked, w.dns);
        if (variant == 3) CHECK(w.reading && w.ctr[0].done && w.ctr[0].value == 42 && !w.ctr[1].done, "variant 3: the cut one waits");
    }
    watch_clear();
}

/* ---- the targets file ---- */

static const char *GOOD =
    "coi-monitor-targets\t1\n"
    "nft\tinet\tcoi\n"
    "target\tcoi-x-1\tlxc.payload.coi-x-1\t4242\t1\t0\t100\t250\t500\t200\t4444,1337,31337\tcoi-x-1.blocked\t-\n"
    "target\tcoi-y_2.z\tlxc.payload.coi-y_2.z\t0\t0\t1\t7\t8\t9\t10\t-\t-\tcoi-y_2.z.dns\n"
    "seen\tcoi-x-1\t1700000000000\t70726f63657373\n"
    "seen\tother\t1700000000001\t6162\n";

static int parse_text(const char *text, struct targets *tf, char *why, size_t n) {
    size_t len = strlen(text);
    char *copy = malloc(len + 1);
    memcpy(copy, text, len + 1);
    int r = parse_targets(copy, len, tf, why, n);
    free(copy);
    return r;
}

static void test_targets_good(void) {
    struct targets tf;
    char why[512] = "";
    CHECK(parse_text(GOOD, &tf, why, sizeof why) == 0, "%s", why);
    CHECK(tf.n == 2, "%d targets", tf.n);
    CHECK_STR(tf.family, "inet");
    CHECK_STR(tf.table, "coi");
    struct mon_target *a = &tf.t[0], *b = &tf.t[1];
    CHECK_STR(a->container, "coi-x-1");
    CHECK_STR(a->payload, "lxc.payload.coi-x-1");
    CHECK(a->init == 4242, "init %ld", a->init);
    CHECK(a->settings.auto_pause_on_high == 1 && a->settings.auto_kill_on_critical == 0, "flags");
    CHECK(a->settings.file_read_mb == 100 && a->settings.file_write_mb == 250, "mb");
    CHECK(a->settings.process_count_threshold == 500 && a->settings.process_spawn_rate_threshold == 200, "process thresholds");
    CHECK(a->settings.nports == 3 && a->settings.ports[0] == 4444 && a->settings.ports[1] == 1337 && a->settings.ports[2] == 31337, "ports");
    CHECK_STR(a->blocked_counter, "coi-x-1.blocked");
    CHECK_STR(a->dns_counter, "");
    CHECK_STR(b->container, "coi-y_2.z");
    CHECK(b->init == 0 && b->settings.auto_kill_on_critical == 1 && b->settings.auto_pause_on_high == 0, "b flags");
    CHECK(b->settings.nports == 0, "no ports");
    CHECK_STR(b->blocked_counter, "");
    CHECK_STR(b->dns_counter, "coi-y_2.z.dns");
    CHECK(tf.nseen == 2, "%d seen", tf.nseen);
    CHECK(tf.seen[0].target == 0 && tf.seen[0].first_ms == 1700000000000LL, "seen 0");
    CHECK(tf.seen[0].key_len == strlen("coi-x-1|process") && memcmp(tf.seen[0].key, "coi-x-1|process", tf.seen[0].key_len) == 0, "seen key");
    CHECK(tf.seen[1].target == -1, "a container not watched here is ignored");
    targets_free(&tf);
    /* no newline at the end is fine too */
    char last[1024];
    snprintf(last, sizeof last, "%.*s", (int)strlen(GOOD) - 1, GOOD);
    CHECK(parse_text(last, &tf, why, sizeof why) == 0, "%s", why);
    targets_free(&tf);
}

static void bad(const char *text, const char *want) {
    struct targets tf;
    char why[512] = "";
    int r = parse_text(text, &tf, why, sizeof why);
    checks++;
    if (r != -1 || !strstr(why, want)) {
        failures++;
        fprintf(stderr, "FAIL targets file %s: got %d \"%s\", want an error with \"%s\"\n", text, r, why, want);
        if (r == 0) targets_free(&tf);
    }
}

#define HEAD "coi-monitor-targets\t1\nnft\tinet\tcoi\n"
#define T(rest) "target\tc\tlxc.payload.c\t1\t0\t0\t1\t2\t3\t4\t" rest "\n"

static void test_targets_bad(void) {
    bad("", "line 1: empty");
    bad("coi-monitor-targets\t2\nnft\tinet\tcoi\n", "line 1: not a coi-monitor-targets");
    bad("coi-monitor-targets 1\n", "line 1:");
    bad(HEAD T("-\t-\t-") "bogus\tx\n", "line 4: unknown record kind");
    bad(HEAD "\n" T("-\t-\t-"), "line 3: unknown record kind");
    bad(HEAD T("-\t-\t-\t-"), "line 3: target needs 12 fields");
    bad(HEAD T("-\t-"), "line 3: target needs 12 fields");
    bad(HEAD "target\tc/x\tlxc.payload.c\t1\t0\t0\t1\t2\t3\t4\t-\t-\t-\n", "line 3: bad container name");
    bad(HEAD "target\t..\tlxc.payload.c\t1\t0\t0\t1\t2\t3\t4\t-\t-\t-\n", "line 3: bad container name");
    bad(HEAD "target\tc\tlxc payload\t1\t0\t0\t1\t2\t3\t4\t-\t-\t-\n", "line 3: bad payload name");
    bad(HEAD "target\tc\tlxc.payload.c\t-1\t0\t0\t1\t2\t3\t4\t-\t-\t-\n", "line 3: bad init pid");
    bad(HEAD "target\tc\tlxc.payload.c\t1\t2\t0\t1\t2\t3\t4\t-\t-\t-\n", "line 3: auto_pause and auto_kill");
    bad(HEAD "target\tc\tlxc.payload.c\t1\t0\ttrue\t1\t2\t3\t4\t-\t-\t-\n", "line 3: auto_pause and auto_kill");
    bad(HEAD "target\tc\tlxc.payload.c\t1\t0\t0\t1\t2\t99999999999\t4\t-\t-\t-\n", "line 3: bad threshold");
    bad(HEAD "target\tc\tlxc.payload.c\t1\t0\t0\t+1\t2\t3\t4\t-\t-\t-\n", "line 3: bad threshold");
    bad(HEAD "target\tc\tlxc.payload.c\t1\t0\t0\t1\t\t3\t4\t-\t-\t-\n", "line 3: bad threshold");
    bad(HEAD T("44,\t-\t-"), "line 3: bad port list");
    bad(HEAD T("65536\t-\t-"), "line 3: bad port list");
    bad(HEAD T("\t-\t-"), "line 3: bad port list");
    bad(HEAD T("-\tcoi x\t-"), "line 3: bad blocked counter name");
    bad(HEAD T("-\t-\t"), "line 3: bad dns counter name");
    bad(HEAD T("-\t--file=/etc/passwd\t-"), "line 3: bad blocked counter name");
    bad("coi-monitor-targets\t1\nnft\t-f\tcoi\n" T("-\t-\t-"), "line 2: bad nft family or table name");
    bad(HEAD T("-\t-\t-") T("-\t-\t-"), "line 4: container c twice");
    bad(HEAD "nft\tinet\tcoi\n" T("-\t-\t-"), "line 3: a second nft line");
    bad(HEAD "nft\tinet\n", "line 3: nft needs 2 fields");
    bad("coi-monitor-targets\t1\n" T("-\t-\t-"), "line 3: no nft line");
    bad(HEAD, "line 3: no target");
    bad(HEAD T("-\t-\t-") "seen\tc\t1\t6g\n", "line 4: bad dedup key");
    bad(HEAD T("-\t-\t-") "seen\tc\t1\t616\n", "line 4: bad dedup key");
    bad(HEAD T("-\t-\t-") "seen\tc\t1\t\n", "line 4: bad dedup key");
    bad(HEAD T("-\t-\t-") "seen\tc\tx\t61\n", "line 4: bad first_epoch_ms");
    bad(HEAD T("-\t-\t-") "seen\tc\t1\n", "line 4: seen needs 3 fields");
    bad(HEAD T("-\t-\t-") "target\tc\r\tlxc.payload.c\t1\t0\t0\t1\t2\t3\t4\t-\t-\t-\n", "line 4: bad container name");
    /* more ports than kept */
    char many[2048] = HEAD "target\tc\tlxc.payload.c\t1\t0\t0\t1\t2\t3\t4\t";
    for (int i = 0; i <= MON_MAX_PORTS; i++) snprintf(many + strlen(many), sizeof many - strlen(many), "%s%d", i ? "," : "", 1000 + i);
    strcat(many, "\t-\t-\n");
    bad(many, "line 3: more than 64 ports");
    /* more targets than watched */
    char lots[8192] = HEAD;
    for (int i = 0; i <= MON_MAX_TARGETS; i++)
        snprintf(lots + strlen(lots), sizeof lots - strlen(lots), "target\tc%d\tlxc.payload.c%d\t1\t0\t0\t1\t2\t3\t4\t-\t-\t-\n", i, i);
    bad(lots, "line 19: more than 16 targets");
    /* a NUL byte inside a line */
    struct targets tf;
    char why[256] = "";
    char nul[] = HEAD "target\tc\0x";
    int r = parse_targets(nul, sizeof nul - 1, &tf, why, sizeof why);
    CHECK(r == -1 && strstr(why, "line 3: a NUL byte"), "got %d %s", r, why);
}

/* ---- the guard's detector (numbers of DetectorsTest) ---- */

static const long long T0 = 1000000000000LL;

/* Looks 250 ms apart with pids 100..100+count-1 each (DetectorsTest.counts). */
static int counts(struct guard_look *s, const int *c, int n) {
    for (int i = 0; i < n; i++) {
        int spawned = i == 0 ? 0 : c[i] > c[i - 1] ? c[i] - c[i - 1] : 0;
        s[i] = (struct guard_look){T0 + 250000000LL * i, c[i], spawned};
    }
    return n;
}

static void test_spike(void) {
    struct mon_threat t;
    struct guard_look s[16];
    /* aForkBombIsCriticalByCountOrBySpawnRate: one process, then 600 new ones a second later */
    s[0] = (struct guard_look){T0, 1, 0};
    s[1] = (struct guard_look){T0 + 1000000000LL, 600, 600};
    CHECK(spike_detect(s, 2, 500, 200, &t) == 1, "count");
    CHECK_STR(t.title, "process count 600 above 500");
    CHECK(t.level == 3 && strcmp(t.category, "process") == 0 && !t.has_process && !t.has_filesystem, "level, category, no evidence");
    CHECK_STR(t.description, "a fork bomb or runaway spawning");
    CHECK(spike_detect(s, 2, 1000, 200, &t) == 1, "rate");
    CHECK_STR(t.title, "process spawn rate 600/s above 200/s");
    CHECK(spike_detect(s, 2, 1000, 1000, &t) == 0, "below both");
    /* aCountThatOnlyClimbsIsAForkBombLongBeforeTheCountOrRateThresholds */
    int dip[] = {100, 130, 160, 190, 170, 220, 250, 280, 310};
    CHECK(spike_detect(s, counts(s, dip, 9), 500, 200, &t) == 1, "one dip");
    CHECK(strncmp(t.title, "process count climbing: 100 to 310", 34) == 0, "%s", t.title);
    CHECK_STR(t.title, "process count climbing: 100 to 310 in 2.0s");
    int slow[] = {12, 34, 51, 59, 89, 111, 119, 123, 135};
    CHECK(spike_detect(s, counts(s, slow, 9), 500, 200, &t) == 1, "climbing");
    CHECK_STR(t.title, "process count climbing: 12 to 135 in 2.0s");
    CHECK(t.level == 3, "critical");
    CHECK_STR(t.description, "a fork bomb: the count kept rising, as no ordinary build or install does");
    /* aBuildWhoseCountGoesUpAndDownOrASlowRiseIsNoForkBomb */
    int build[] = {10, 40, 80, 140, 120, 160, 130, 190, 150, 230};
    CHECK(spike_detect(s, counts(s, build, 10), 500, 200, &t) == 0, "up and down: %s", t.title);
    int rise[] = {20, 30, 40, 50, 60, 70, 80, 90, 100};
    CHECK(spike_detect(s, counts(s, rise, 9), 500, 200, &t) == 0, "slow rise: %s", t.title);
    CHECK(spike_detect(s, counts(s, slow, 9), 1000, 200, &t) == 0, "the rise needed grows with the threshold: %s", t.title);
    /* aFewProcessesStartedBetweenTwoQuickLooksAreNoSpawnRateSpike */
    s[0] = (struct guard_look){T0, 1, 0};
    s[1] = (struct guard_look){T0 + 100000000LL, 50, 50};
    CHECK(spike_detect(s, 2, 500, 200, &t) == 0, "over at least a second");
    /* the climb's span as Java prints ms / 1000.0, the looks of the last 5 s only */
    struct guard_look l[4] = {{T0, 10, 0}, {T0 + 1877000000LL, 20, 10}, {T0 + 3000000000LL, 30, 10}, {T0 + 6000000000LL, 150, 120}};
    CHECK(spike_detect(l, 4, 500, 200, &t) == 1, "climb over 5 s");
    CHECK_STR(t.title, "process count climbing: 20 to 150 in 4.123s");
    /* %.0f as Java's Formatter: half up on the shortest decimal, where C rounds half to even */
    s[0] = (struct guard_look){T0, 1, 0};
    s[1] = (struct guard_look){T0 + 2000000000LL, 402, 401};
    CHECK(spike_detect(s, 2, 1000, 200, &t) == 1, "200.5/s");
    CHECK_STR(t.title, "process spawn rate 201/s above 200/s");
    char r[32];
    java_round0(0.5, r, sizeof r);
    CHECK_STR(r, "1");
    java_round0(2.5, r, sizeof r);
    CHECK_STR(r, "3");
    java_round0(2.4999, r, sizeof r);
    CHECK_STR(r, "2");
    java_round0(999.5, r, sizeof r);
    CHECK_STR(r, "1000");
    java_round0(0.25, r, sizeof r);
    CHECK_STR(r, "0");
    java_round0(1234567.0, r, sizeof r);
    CHECK_STR(r, "1234567");
    java_seconds(4200, r, sizeof r);
    CHECK_STR(r, "4.2");
    java_seconds(0, r, sizeof r);
    CHECK_STR(r, "0.0");
    java_seconds(5005, r, sizeof r);
    CHECK_STR(r, "5.005");
    /* new pids between two sorted lists */
    int a[] = {1, 3, 5, 7}, b[] = {2, 3, 4, 7, 9};
    CHECK(new_pids(a, 4, b, 5) == 3, "new pids");
    CHECK(new_pids(NULL, 0, b, 5) == 5, "all new");
}

/* ---- the window detectors ---- */

static struct look_summary look_at(long long ms, long long seq, struct use *uses, int n, long long blocked, long long dns) {
    struct look_summary s = {T0 + ms * 1000000LL, seq, blocked, dns, uses, n};
    return s;
}

static void test_workspace_io(void) {
    const long long mb = MIB;
    struct mon_threat out[4];
    /* workspaceReadsChargedWithinTheWindowAreHighAboveTheThresholdWithTheLargestReaderAsEvidence */
    struct use u1[] = {{40, 500 * mb, 0}}, u2[] = {{40, 70 * mb, 0}, {41, 10 * mb, 0}}, u3[] = {{40, 40 * mb, 0}};
    struct look_summary win[] = {look_at(0, 1, u1, 1, -1, -1), look_at(200, 2, u2, 2, -1, -1), look_at(400, 3, u3, 1, -1, -1)};
    static struct watched w;
    memset(&w, 0, sizeof w);
    static const char tar[] = "tar\0c\0.";
    w.ev[0] = (struct evidence){40, 1000, 0, 2, 1, strdup("/usr/bin/tar"), NULL, sizeof tar - 1};
    w.ev[0].cmd = malloc(sizeof tar);
    memcpy(w.ev[0].cmd, tar, sizeof tar);
    w.nev = 1;
    CHECK(workspace_detect(win, 3, 100, 250, &w, out) == 1, "one threat");
    CHECK_STR(out[0].title, "large workspace read: 120 MB in 0s");
    CHECK(out[0].level == 2 && strcmp(out[0].category, "filesystem") == 0, "high, filesystem");
    CHECK_STR(out[0].description,
              "more than file_read_threshold_mb (100) read from workspace files within the window, as when the workspace is copied out");
    CHECK(out[0].has_filesystem && out[0].fs_bytes == 120 * mb && strcmp(out[0].fs_window, "0s") == 0, "filesystem evidence");
    CHECK(out[0].has_process && out[0].pid == 40 && out[0].ppid == 1000 && out[0].cmdline_len == sizeof tar - 1
              && memcmp(out[0].cmdline, tar, sizeof tar - 1) == 0 && strcmp(out[0].exe, "/usr/bin/tar") == 0,
          "the largest reader as evidence");
    CHECK(workspace_detect(win, 3, 150, 250, &w, out) == 0, "below the threshold");
    /* the evidence of a look that left the window is not used: bytes only */
    w.ev[0].seq = 0;
    CHECK(workspace_detect(win, 3, 100, 250, &w, out) == 1 && !out[0].has_process && out[0].has_filesystem, "bytes only");
    free(w.ev[0].exe);
    free(w.ev[0].cmd);
    w.nev = 0;
    /* writesHaveTheirOwnThresholdAndProcessesOutsideTheWorkspaceAreNotChargedWhateverTheyRead */
    struct use u4[] = {{50, 0, 300 * mb}};
    struct look_summary win2[] = {look_at(0, 1, NULL, 0, -1, -1), look_at(1000, 2, u4, 1, -1, -1)};
    CHECK(workspace_detect(win2, 2, 100, 250, &w, out) == 1, "write");
    CHECK_STR(out[0].title, "large workspace write: 300 MB in 1s");
    CHECK_STR(out[0].description, "more than file_write_threshold_mb (250) written to workspace files within the window");
    CHECK(!out[0].has_process && out[0].fs_bytes == 300 * mb && strcmp(out[0].fs_window, "1s") == 0, "bytes only, 1s");
    win2[1].nuses = 0;
    CHECK(workspace_detect(win2, 2, 100, 250, &w, out) == 0, "nothing charged");
    /* both at once: read first; the span in whole seconds (Duration.toSeconds) */
    struct use u5[] = {{60, 200 * mb, 0}, {61, 0, 400 * mb}};
    struct look_summary win3[] = {look_at(0, 1, NULL, 0, -1, -1), look_at(9999, 2, u5, 2, -1, -1)};
    CHECK(workspace_detect(win3, 2, 100, 250, NULL, out) == 2, "both");
    CHECK_STR(out[0].title, "large workspace read: 200 MB in 9s");
    CHECK_STR(out[1].title, "large workspace write: 400 MB in 9s");
    /* ties: the first in java.util.HashMap's order (17 before 2 with 16 buckets: 17 & 15 = 1) */
    int keys[] = {2, 17, 33, 1}, idx[] = {0, 1, 2, 3};
    java_hash_order(keys, idx, 4);
    CHECK(keys[0] == 17 && keys[1] == 33 && keys[2] == 1 && keys[3] == 2, "order %d %d %d %d", keys[0], keys[1], keys[2], keys[3]);
}

static void test_fence(void) {
    struct mon_threat out[4];
    /* risingBlockedAttemptsInAllowlistModeAreHigh */
    struct look_summary probing[] = {look_at(0, 1, NULL, 0, 3, -1), look_at(4000, 2, NULL, 0, 3 + BLOCKED_BURST, -1)};
    CHECK(fence_detect(probing, 2, out) == 1, "probing");
    CHECK_STR(out[0].title, "10 blocked connection attempts in 4s");
    CHECK(out[0].level == 2 && strcmp(out[0].category, "network") == 0, "high network");
    CHECK_STR(out[0].description, "the allowlist fence rejected repeated attempts to reach hosts outside it, as when probing for a way out");
    struct look_summary retry[] = {look_at(0, 1, NULL, 0, 3, -1), look_at(4000, 2, NULL, 0, 6, -1)};
    CHECK(fence_detect(retry, 2, out) == 0, "one retry");
    /* aBurstOfDnsPacketsIsATunnelByVolume */
    struct look_summary burst[] = {look_at(0, 1, NULL, 0, -1, 40), look_at(8000, 2, NULL, 0, -1, 40 + DNS_BURST)};
    CHECK(fence_detect(burst, 2, out) == 1, "burst");
    CHECK_STR(out[0].title, "burst of 300 DNS packets in 8s");
    CHECK(out[0].level == 2 && strcmp(out[0].category, "dns_tunnel") == 0, "high dns_tunnel");
    CHECK_STR(out[0].description, "far more DNS queries than ordinary work makes, as when data is tunnelled through DNS names"
                                  " (the host counts packets to the resolver; it does not see the names)");
    struct look_summary build[] = {look_at(0, 1, NULL, 0, -1, 40), look_at(8000, 2, NULL, 0, -1, 100)};
    CHECK(fence_detect(build, 2, out) == 0, "a build");
    /* unknownOrResetCountersRaiseNothing */
    struct look_summary unknown[] = {look_at(0, 1, NULL, 0, -1, -1), look_at(2000, 2, NULL, 0, 5000, 5000)};
    struct look_summary reset[] = {look_at(2000, 1, NULL, 0, 5000, 5000), look_at(4000, 2, NULL, 0, 0, 0)};
    CHECK(fence_detect(unknown, 2, out) == 0, "unknown");
    CHECK(fence_detect(reset, 2, out) == 0, "reset");
}

/* ---- workspace traffic (WorkspaceTrafficTest's sequences) ---- */

static long long charged(struct use *u, int n, int write) {
    long long s = 0;
    for (int i = 0; i < n; i++) s += write ? u[i].written : u[i].read;
    return s;
}

static void traffic_io(struct watched *w, int pid, long long r, long long wr) {
    struct traffic_pid *t = traffic_pid(w, pid);
    t->has_latest = 1;
    t->latest_r = r;
    t->latest_w = wr;
}

static void test_traffic(void) {
    static struct watched w;
    memset(&w, 0, sizeof w);
    struct use *u;
    int n;
    /* aShortReaderIsChargedWhatItReadEvenWhenItIsGoneBeforeTheLook */
    traffic_access(&w, 801, 0, 1, 7, 200 * MIB);
    traffic_io(&w, 801, 2 * MIB, 0);
    traffic_access(&w, 801, 0, 1, 7, 200 * MIB);
    traffic_io(&w, 801, 150 * MIB, 0);
    traffic_access(&w, 801, 0, 1, 7, 200 * MIB);
    traffic_io(&w, 801, 199 * MIB, 0);
    n = traffic_take(&w, &u);
    CHECK(n == 1 && charged(u, n, 0) == 199 * MIB, "short reader: %d %lld", n, charged(u, n, 0));
    free(u);
    /* aReaderGoneBeforeItsCountersCouldBeReadIsChargedTheFilesSize */
    traffic_access(&w, 802, 0, 1, 7, 200 * MIB);
    n = traffic_take(&w, &u);
    CHECK(n == 1 && u[0].pid == 802 && u[0].read == 200 * MIB && u[0].written == 0, "gone reader");
    free(u);
    /* aProcessThatDownloadsALotButTouchesSmallWorkspaceFilesIsChargedTheirSizes */
    traffic_access(&w, 900, 0, 1, 1, 600);
    traffic_access(&w, 900, 0, 1, 2, 40000);
    traffic_io(&w, 900, 80 * MIB, 30 * MIB);
    for (int i = 0; i < 300; i++) traffic_access(&w, 900, 1, 1, 100 + i, 100000);
    n = traffic_take(&w, &u);
    CHECK(charged(u, n, 0) == 40600 && charged(u, n, 1) == 30000000, "npm: %lld %lld", charged(u, n, 0), charged(u, n, 1));
    free(u);
    /* oneProcessReadingAcrossLooksIsChargedTheGrowthOfItsCountersEachTime */
    traffic_access(&w, 1100, 0, 1, 9, 200 * MIB);
    traffic_io(&w, 1100, 64 * MIB, 0);
    n = traffic_take(&w, &u);
    CHECK(charged(u, n, 0) == 64 * MIB, "first interval");
    free(u);
    traffic_access(&w, 1100, 0, 1, 9, 200 * MIB);
    traffic_io(&w, 1100, 128 * MIB, 0);
    traffic_access(&w, 1100, 0, 1, 9, 200 * MIB);
    traffic_io(&w, 1100, 192 * MIB, 0);
    n = traffic_take(&w, &u);
    CHECK(charged(u, n, 0) == 128 * MIB, "second interval: %lld", charged(u, n, 0));
    free(u);
    /* tarOverManySmallFilesIsChargedTheirSumBoundedByWhatItRead */
    traffic_io(&w, 1200, 0, 0);
    for (int i = 0; i < 5000; i++) traffic_access(&w, 1200, 0, 2, (unsigned long long)i, 30000);
    traffic_io(&w, 1200, 150000000LL + 4096, 150000000LL);
    n = traffic_take(&w, &u);
    CHECK(n == 1 && u[0].pid == 1200 && u[0].read == 150000000LL && u[0].written == 0, "tar: %d", n);
    free(u);
    /* aProcessWorkingInTheWorkspaceThatTouchesNoWorkspaceFileIsNotCharged */
    n = traffic_take(&w, &u);
    CHECK(n == 0 && u == NULL, "nothing");
    free(w.before);
    free(w.tp);
}

/* ---- the kill ---- */

static pid_t sleeper(void) {
    pid_t p = fork();
    if (p == 0) {
        for (;;) pause();
    }
    return p;
}

/* Whether the child ended by SIGKILL within 2 s (else it is killed here, and the check fails). */
static int killed_by_sigkill(pid_t pid) {
    int st = 0;
    for (int i = 0; i < 200; i++) {
        pid_t r = waitpid(pid, &st, WNOHANG);
        if (r == pid) return WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL;
        struct timespec ts = {0, 10000000};
        nanosleep(&ts, NULL);
    }
    kill(pid, SIGTERM);
    waitpid(pid, &st, 0);
    return 0;
}

static void test_kill(void) {
    char root[MON_PATH], path[MON_PATH], buf[64], why[256] = "";
    /* v2: cgroup.kill gets "1" */
    path_of(root, sizeof root, "cg2");
    FMT(path, "%s/lxc.payload.k", root);
    mkdirs(path);
    FMT(path, "%s/lxc.payload.k/cgroup.kill", root);
    put_text(path, "");
    CHECK(cgroup_kill(root, "lxc.payload.k", why, sizeof why) == 1, "v2 %s", why);
    CHECK(get_text(path, buf, sizeof buf) == 1 && strcmp(buf, "1") == 0, "cgroup.kill has \"%s\"", buf);
    /* v1 hybrid: unified/PAYLOAD */
    FMT(path, "%s/unified/lxc.payload.u", root);
    mkdirs(path);
    FMT(path, "%s/unified/lxc.payload.u/cgroup.kill", root);
    put_text(path, "");
    CHECK(cgroup_kill(root, "lxc.payload.u", why, sizeof why) == 1, "unified %s", why);
    CHECK(get_text(path, buf, sizeof buf) == 1 && strcmp(buf, "1") == 0, "unified cgroup.kill has \"%s\"", buf);
    CHECK(cgroup_kill(root, "lxc.payload.gone", why, sizeof why) == 0, "no cgroup");
    /* v1 freezer: every process of the tree is killed, frozen before and thawed after */
    pid_t a = sleeper(), b = sleeper();
    FMT(path, "%s/freezer/lxc.payload.f/sub/deeper", root);
    mkdirs(path);
    FMT(path, "%s/freezer/lxc.payload.f/freezer.state", root);
    put_text(path, "THAWED\n");
    char procs[64];
    snprintf(procs, sizeof procs, "%d\n", a);
    FMT(path, "%s/freezer/lxc.payload.f/cgroup.procs", root);
    put_text(path, procs);
    snprintf(procs, sizeof procs, "%d", b); /* no newline at the end */
    FMT(path, "%s/freezer/lxc.payload.f/sub/deeper/cgroup.procs", root);
    put_text(path, procs);
    FMT(path, "%s/freezer/lxc.payload.f/sub/cgroup.procs", root); /* every cgroup has one (CgroupKill stops where none is) */
    put_text(path, "");
    CHECK(cgroup_kill(root, "lxc.payload.f", why, sizeof why) == 1, "freezer %s", why);
    CHECK(killed_by_sigkill(a), "the first process died of SIGKILL");
    CHECK(killed_by_sigkill(b), "the subgroup's process died of SIGKILL");
    FMT(path, "%s/freezer/lxc.payload.f/freezer.state", root);
    CHECK(get_text(path, buf, sizeof buf) > 0 && strcmp(buf, "THAWED") == 0, "thawed after: %s", buf);
}

/* ---- the whole watch: mon_start, the poll set, mon_tick, THREATS_FILE ---- */

static char proc_dir[MON_PATH], cg_dir[MON_PATH], ws_dir[MON_PATH], threats[MON_PATH], targets_path[MON_PATH];
static int ws_mounted;

/* Polls the watch's descriptors and ticks until `until` (monotonic ms); the lines written. */
static int run_until(long long until_ms, char *why, size_t n) {
    int written = 0;
    for (;;) {
        long long now = mono_ns() / 1000000;
        if (now >= until_ms) return written;
        long long due = mon_due_ms();
        long long wait = (due < until_ms ? due : until_ms) - now;
        if (wait < 0) wait = 0;
        struct pollfd fds[40];
        int k = mon_pollfds(fds, 40);
        int r = poll(fds, (nfds_t)k, (int)wait);
        if (r > 0) mon_handle(fds, k);
        if (mono_ns() / 1000000 >= mon_due_ms()) {
            int t = mon_tick(threats, why, n);
            if (t < 0) return -1;
            written += t;
        }
    }
}

static int count_lines(const char *path, char *buf, size_t n) {
    ssize_t len = get_text(path, buf, n);
    if (len <= 0) return 0;
    int lines = 0;
    for (ssize_t i = 0; i < len; i++)
        if (buf[i] == '\n') lines++;
    return lines;
}

static long rss_kib(void) {
    char buf[4096];
    if (get_text("/proc/self/status", buf, sizeof buf) <= 0) return -1;
    char *at = strstr(buf, "VmRSS:");
    return at ? strtol(at + 6, NULL, 10) : -1;
}

static void hex(char *out, size_t n, const char *s) {
    size_t k = 0;
    for (; *s && k + 3 <= n; s++, k += 2) snprintf(out + k, 3, "%02x", (unsigned char)*s);
    out[k] = 0;
}

static void setup_watch(void) {
    path_of(proc_dir, sizeof proc_dir, "proc");
    path_of(cg_dir, sizeof cg_dir, "cg");
    path_of(threats, sizeof threats, "threats.jsonl");
    path_of(targets_path, sizeof targets_path, "targets");
    char p[MON_PATH];
    /* the container: init 4242, whose /workspace is a tmpfs of its own */
    FMT(ws_dir, "%s/4242/root/workspace", proc_dir);
    mkdirs(ws_dir);
    ws_mounted = mount("coi-test", ws_dir, "tmpfs", MS_NOSUID | MS_NODEV, "size=16m") == 0;
    CHECK(ws_mounted, "tmpfs on %s: %s", ws_dir, strerror(errno));
    FMT(p, "%s/lxc.payload.w1", cg_dir);
    mkdirs(p);
    FMT(p, "%s/lxc.payload.w1/cgroup.procs", cg_dir);
    put_text(p, "4242\n4243\n");
    FMT(p, "%s/lxc.payload.w1/cgroup.kill", cg_dir);
    put_text(p, "");
}

static void test_watch(void) {
    char why[1024] = "", buf[65536], p[MON_PATH];
    setup_watch();
    if (!ws_mounted) return;
    /* a warning and a critical, the critical one first; a seen key for the warning from an hour ago (expired) */
    /* seen by the supervisor: the warning's key an hour ago (expired: handed over again), the third one's a second ago */
    char targets[4096], warn_hex[512], seen_hex[512];
    long long long_ago = wall_ms() - 3600000, recent = wall_ms() - 1000;
    hex(warn_hex, sizeof warn_hex, "credential_scan|reading other processes' environment|cat /proc/1/environ");
    hex(seen_hex, sizeof seen_hex, "process|seen # times|");
    FMT(targets,
        "coi-monitor-targets\t1\nnft\tinet\t%s\n"
        "seen\tw1\t%lld\t%s\n"
        "target\tw1\tlxc.payload.w1\t4242\t0\t1\t100\t1\t500\t200\t-\tcoi-x-1.blocked\tmissing\n"
        "seen\tw1\t%lld\t%s\n",
        nl_table, long_ago, warn_hex, recent, seen_hex);
    put_text(targets_path, targets);
    unlink(threats);
    double_nthreats = 0;
    CHECK(mon_start(targets_path, proc_dir, cg_dir, why, sizeof why) == 0, "mon_start: %s", why);
    if (nwatch != 1) return;
    struct watched *w = watch[0];
    CHECK(w->blocked == 42 && w->dns == 0, "the first counters before the first look: %lld %lld", w->blocked, w->dns);
    CHECK(w->window_n == 1 && w->prev != NULL, "the first look");
    CHECK(w->nseen == 2 && w->seen[0].first_ms == long_ago && w->seen[1].first_ms == recent, "seeded: %d", w->nseen);
    struct pollfd fds[8];
    int k = mon_pollfds(fds, 8);
    CHECK(k == 2 && fds[0].fd == netlink_fd && fds[1].fd == w->fan_fd, "netlink and fanotify in the poll set: %d", k);

    /* quiet: a few ticks, nothing written */
    long long now = mono_ns() / 1000000;
    CHECK(run_until(now + 700, why, sizeof why) == 0, "quiet: %s", why);
    CHECK(count_lines(threats, buf, sizeof buf) == 0, "no threats file lines");
    CHECK(w->series_n >= 2 && w->last_count == 2, "the guard counted %d", w->last_count);
    long rss = rss_kib();
    fprintf(stderr, "resident while watching: %ld KiB\n", rss);
    CHECK(rss > 0 && rss < 8192, "a few MiB: %ld KiB", rss);

    /* an exec in the container: read at once (the double reads PROC_ROOT/PID/cmdline) and given to the next look */
    int go[2];
    if (pipe(go) < 0) exit(2);
    pid_t child = fork();
    if (child == 0) {
        char c;
        close(go[1]);
        if (read(go[0], &c, 1) != 1) _exit(3);
        char *argv[] = {"true", NULL};
        execv("/bin/true", argv);
        _exit(4);
    }
    close(go[0]);
    FMT(p, "%s/%d", proc_dir, child);
    mkdirs(p);
    FMT(p, "%s/%d/cgroup", proc_dir, child);
    put_text(p, "12:pids:/lxc.payload.w1/init.scope\n0::/lxc.payload.w1/init.scope\n");
    FMT(p, "%s/%d/cmdline", proc_dir, child);
    put_file(p, "true\0", 5);
    if (write(go[1], "g", 1) != 1) exit(2);
    close(go[1]);
    waitpid(child, NULL, 0);
    double_nexecs = 0;
    now = mono_ns() / 1000000;
    for (long long end = now + 2000; mono_ns() / 1000000 < end && double_nexecs == 0;) {
        if (run_until(mono_ns() / 1000000 + 100, why, sizeof why) < 0) break;
    }
    CHECK(double_nexecs == 1 && double_exec_pids[0] == child, "the exec of %d reached the look (%d execs)", child, double_nexecs);

    /* a workspace write of 3 MiB by a process whose counters say 2 MiB: charged 2 MiB, above file_write_mb 1 */
    if (pipe(go) < 0) exit(2);
    child = fork();
    if (child == 0) {
        char c;
        close(go[1]);
        if (read(go[0], &c, 1) != 1) _exit(3);
        char file[MON_PATH];
        FMT(file, "%s/big.bin", ws_dir);
        int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        static char block[65536];
        memset(block, 'x', sizeof block);
        for (int i = 0; i < 48; i++)
            if (write(fd, block, sizeof block) != (ssize_t)sizeof block) _exit(5);
        close(fd);
        /* stays until the parent has read its events (its counters are read while it lives) */
        if (read(go[0], &c, 1) < 0) _exit(6);
        _exit(0);
    }
    close(go[0]);
    FMT(p, "%s/%d", proc_dir, child);
    mkdirs(p);
    FMT(p, "%s/%d/io", proc_dir, child);
    put_text(p, "rchar: 4096\nwchar: 2097152\nsyscr: 1\nsyscw: 48\n");
    if (write(go[1], "g", 1) != 1) exit(2);
    now = mono_ns() / 1000000;
    int written = 0;
    for (long long end = now + 3000; mono_ns() / 1000000 < end && written == 0;) {
        int r = run_until(mono_ns() / 1000000 + 100, why, sizeof why);
        if (r < 0) break;
        written += r;
    }
    close(go[1]);
    waitpid(child, NULL, 0);
    CHECK(written == 1, "one threat written: %d (%s)", written, why);
    CHECK(count_lines(threats, buf, sizeof buf) == 1, "one line");
    char want[512];
    snprintf(want, sizeof want,
             "{\"container\":\"w1\",\"killed\":false,\"threat\":{\"level\":\"high\",\"category\":\"filesystem\",\"title\":\"large workspace write: 2 MB in ");
    CHECK(strncmp(buf, want, strlen(want)) == 0, "the line: %s", buf);
    CHECK(strstr(buf, "\"evidence\":{\"filesystem\":{\"bytes\":2097152,\"window\":\"") != NULL, "bytes only, 2 MiB: %s", buf);
    /* the same threat again within 30 s: not handed over again */
    now = mono_ns() / 1000000;
    CHECK(run_until(now + 600, why, sizeof why) == 0, "deduplicated");
    CHECK(count_lines(threats, buf, sizeof buf) == 1, "still one line");

    /* the detectors of one look: the most serious first; the critical one kills the cgroup first (auto_kill) */
    struct mon_threat *warn = &double_threats[0], *crit = &double_threats[1], *seen = &double_threats[2];
    memset(double_threats, 0, sizeof double_threats);
    set_threat(warn, 1, "credential_scan", "reading other processes' environment", "environment variables of other processes often hold API keys");
    warn->has_process = 1;
    warn->pid = 77;
    warn->ppid = 1;
    warn->uid = 1000;
    warn->has_exe_value = 1;
    snprintf(warn->exe, sizeof warn->exe, "/usr/bin/cat");
    memcpy(warn->cmdline, "cat\0/proc/1/environ", 19);
    warn->cmdline_len = 19;
    set_threat(crit, 3, "reverse_shell", "reverse shell: nc executing a program for a connection",
               "netcat or socat with an exec option hands a program's stdio to a network peer");
    set_threat(seen, 1, "process", "seen 12 times", "a key the supervisor saw");
    double_nthreats = 3;
    now = mono_ns() / 1000000;
    int r = run_until(now + 250, why, sizeof why);
    CHECK(r == 2, "two written: %d (%s)", r, why);
    CHECK(count_lines(threats, buf, sizeof buf) == 3, "three lines");
    char *second = strchr(buf, '\n') + 1, *third = strchr(second, '\n') + 1;
    const char *crit_line = "{\"container\":\"w1\",\"killed\":true,\"threat\":{\"level\":\"critical\",\"category\":\"reverse_shell\","
                            "\"title\":\"reverse shell: nc executing a program for a connection\",\"description\":\"netcat or socat with an exec "
                            "option hands a program's stdio to a network peer\",\"evidence\":{}}}\n";
    CHECK(strncmp(second, crit_line, strlen(crit_line)) == 0, "the critical one first, killed: %.300s", second);
    const char *warn_line = "{\"container\":\"w1\",\"killed\":false,\"threat\":{\"level\":\"warning\",\"category\":\"credential_scan\","
                            "\"title\":\"reading other processes' environment\",\"description\":\"environment variables of other processes "
                            "often hold API keys\",\"evidence\":{\"process\":{\"pid\":77,\"ppid\":1,\"uid\":1000,\"exe\":\"/usr/bin/cat\","
                            "\"cmdline\":[\"cat\",\"/proc/1/environ\"]}}}}\n";
    CHECK(strcmp(third, warn_line) == 0, "then the warning: %s", third);
    FMT(p, "%s/lxc.payload.w1/cgroup.kill", cg_dir);
    CHECK(get_text(p, buf, sizeof buf) == 1 && buf[0] == '1', "cgroup.kill written");
    CHECK(w->killed, "the killed container is not looked at again");
    struct stat st;
    CHECK(stat(threats, &st) == 0 && (st.st_mode & 0777) == 0600, "THREATS_FILE is 0600");
    double_nthreats = 0;
    mon_reset();
}

static void test_unobservable(void) {
    char why[1024] = "", p[MON_PATH];
    if (!ws_mounted) return;
    FMT(p, "%s/lxc.payload.w1/cgroup.procs", cg_dir);
    put_text(p, "4242\n");
    CHECK(mon_start(targets_path, proc_dir, cg_dir, why, sizeof why) == 0, "mon_start: %s", why);
    put_text(p, "");
    long long until = mono_ns() / 1000000 + 1000;
    int r = 0;
    while (mono_ns() / 1000000 < until && (r = run_until(mono_ns() / 1000000 + 100, why, sizeof why)) >= 0) {}
    CHECK(r == -1 && strstr(why, "cannot observe lxc.payload.w1"), "a container with no process: %d %s", r, why);
    mon_reset();
    /* cannot start: no cgroup */
    FMT(p, "%s/targets-gone", scratch_dir);
    put_text(p, "coi-monitor-targets\t1\nnft\tinet\tcoi\ntarget\tgone\tlxc.payload.gone\t0\t0\t0\t1\t1\t5\t5\t-\t-\t-\n");
    CHECK(mon_start(p, proc_dir, cg_dir, why, sizeof why) == -1 && strstr(why, "gone: cannot observe lxc.payload.gone: no cgroup under"),
          "%s", why);
    /* a bad targets file names its line */
    put_text(p, "coi-monitor-targets\t1\nnft\tinet\tcoi\nwhat\n");
    CHECK(mon_start(p, proc_dir, cg_dir, why, sizeof why) == -1 && strstr(why, "line 3: unknown record kind"), "%s", why);
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void remove_tree(const char *path) {
    nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* What the waiter cannot watch whole goes back to the supervisor, said with MON_TOO_MUCH and the container's name. */
static void test_too_much(void) {
    char why[1024] = "", p[MON_PATH];
    if (!ws_mounted) return;
    FMT(p, "%s/lxc.payload.w1/cgroup.procs", cg_dir);
    put_text(p, "4242\n");
    /* a look the native reader would have to cut */
    CHECK(mon_start(targets_path, proc_dir, cg_dir, why, sizeof why) == 0, "mon_start: %s", why);
    double_look_err = MON_TOO_MUCH "more than 65536 sockets";
    int r = 0;
    long long until = mono_ns() / 1000000 + 1000;
    while (mono_ns() / 1000000 < until && (r = run_until(mono_ns() / 1000000 + 100, why, sizeof why)) >= 0) {}
    CHECK(r == -1 && strcmp(why, MON_TOO_MUCH "w1: more than 65536 sockets") == 0, "a look too big: %d %s", r, why);
    double_look_err = NULL;
    mon_reset();
    /* more threats in one look than are handed over at once */
    CHECK(mon_start(targets_path, proc_dir, cg_dir, why, sizeof why) == 0, "mon_start: %s", why);
    double_detect_overflow = 1;
    until = mono_ns() / 1000000 + 1000;
    while (mono_ns() / 1000000 < until && (r = run_until(mono_ns() / 1000000 + 100, why, sizeof why)) >= 0) {}
    CHECK(r == -1 && strstr(why, MON_TOO_MUCH "w1: more than") == why && strstr(why, "threats in one look"), "too many threats: %d %s", r, why);
    double_detect_overflow = 0;
    mon_reset();
    /* an exec read over its bounds: the hand-back says which */
    CHECK(mon_start(targets_path, proc_dir, cg_dir, why, sizeof why) == 0, "mon_start: %s", why);
    double_look_refused = MON_TOO_MUCH "pid 77 has more than 1024 descriptors at its exec";
    until = mono_ns() / 1000000 + 1000;
    while (mono_ns() / 1000000 < until && (r = run_until(mono_ns() / 1000000 + 100, why, sizeof why)) >= 0) {}
    CHECK(r == -1 && strcmp(why, MON_TOO_MUCH "w1: pid 77 has more than 1024 descriptors at its exec") == 0, "an exec over its bounds: %d %s", r, why);
    double_look_refused = NULL;
    mon_reset();
    /* cgroups nested deeper than the guard walks: its count would leave processes out */
    char deep[MON_PATH];
    FMT(deep, "%s/lxc.payload.w1", cg_dir);
    for (int i = 0; i < CGROUP_DEPTH + 3; i++) {
        size_t len = strlen(deep);
        CHECK(len + 4 < sizeof deep, "path room");
        strcat(deep, "/d");
        CHECK(mkdir(deep, 0755) == 0 || errno == EEXIST, "mkdir %s", deep);
        FMT(p, "%s/cgroup.procs", deep);
        put_text(p, "");
    }
    CHECK(mon_start(targets_path, proc_dir, cg_dir, why, sizeof why) == 0, "mon_start: %s", why);
    until = mono_ns() / 1000000 + 1000;
    while (mono_ns() / 1000000 < until && (r = run_until(mono_ns() / 1000000 + 100, why, sizeof why)) >= 0) {}
    CHECK(r == -1 && strstr(why, MON_TOO_MUCH "w1: cgroups nested deeper than") == why, "too deep: %d %s", r, why);
    mon_reset();
    FMT(p, "%s/lxc.payload.w1/d", cg_dir);
    remove_tree(p);
}

/*
 * Tasks pids.current counts that the look did not find (a process started or ended while counting, or one hidden):
 * the container is handed back once that lasts HIDDEN_LOOKS full looks in a row, not before; a look that finds them
 * all starts the count over.
 */
static void test_shortfalls(void) {
    char why[1024] = "", p[MON_PATH];
    struct mon_threat *found = malloc(MON_MAX_THREATS * sizeof *found);
    if (!ws_mounted || !found) {
        free(found);
        return;
    }
    FMT(p, "%s/lxc.payload.w1/cgroup.procs", cg_dir);
    put_text(p, "4242\n");
    CHECK(mon_start(targets_path, proc_dir, cg_dir, why, sizeof why) == 0, "mon_start: %s", why);
    struct watched *w = watch[0];
    double_unaccounted = 2;
    for (int i = 1; i < HIDDEN_LOOKS; i++) full_look(w, found, MON_MAX_THREATS, why, sizeof why);
    CHECK(w->too_much[0] == 0, "handed back after %d looks: %s", HIDDEN_LOOKS - 1, w->too_much);
    double_unaccounted = 0;
    full_look(w, found, MON_MAX_THREATS, why, sizeof why);
    double_unaccounted = 3;
    for (int i = 1; i < HIDDEN_LOOKS; i++) full_look(w, found, MON_MAX_THREATS, why, sizeof why);
    CHECK(w->too_much[0] == 0, "a look with every task found starts over: %s", w->too_much);
    full_look(w, found, MON_MAX_THREATS, why, sizeof why);
    CHECK_STR(w->too_much, MON_TOO_MUCH "w1: pids.current counted 3 tasks more than two walks and a scan of /proc found, at 25 looks in a row");
    w->due = 0;
    CHECK(mon_tick(threats, why, sizeof why) == -1 && strcmp(why, w->too_much) == 0, "handed back: %s", why);
    double_unaccounted = 0;
    mon_reset();
    free(found);
}

/* The guard over the whole watch: more processes than process_count_threshold, the kill first, then the line. */
static void test_guard_kills(void) {
    char why[1024] = "", p[MON_PATH], buf[8192], file[MON_PATH];
    if (!ws_mounted) return;
    FMT(p, "%s/lxc.payload.w1/cgroup.procs", cg_dir);
    put_text(p, "4242\n");
    FMT(p, "%s/lxc.payload.w1/cgroup.kill", cg_dir);
    put_text(p, "");
    FMT(file, "%s/targets-guard", scratch_dir);
    put_text(file, "coi-monitor-targets\t1\nnft\tinet\tcoi\n"
                   "target\tw1\tlxc.payload.w1\t4242\t0\t1\t100\t100\t5\t200\t-\t-\t-\n");
    unlink(threats);
    CHECK(mon_start(file, proc_dir, cg_dir, why, sizeof why) == 0, "mon_start: %s", why);
    /* a subgroup as Incus makes them (init.scope): its pids count too, each once */
    FMT(p, "%s/lxc.payload.w1/init.scope", cg_dir);
    mkdirs(p);
    FMT(p, "%s/lxc.payload.w1/init.scope/cgroup.procs", cg_dir);
    put_text(p, "4242\n5001\n5002\n5003\n5004\n5005\n5006");
    long long until = mono_ns() / 1000000 + 1000;
    int r = 0;
    while (r == 0 && mono_ns() / 1000000 < until) r = run_until(mono_ns() / 1000000 + 50, why, sizeof why);
    CHECK(r == 1, "one threat: %d %s", r, why);
    CHECK(count_lines(threats, buf, sizeof buf) == 1, "one line");
    const char *want = "{\"container\":\"w1\",\"killed\":true,\"threat\":{\"level\":\"critical\",\"category\":\"process\","
                       "\"title\":\"process count 7 above 5\",\"description\":\"a fork bomb or runaway spawning\",\"evidence\":{}}}\n";
    CHECK_STR(buf, want);
    FMT(p, "%s/lxc.payload.w1/cgroup.kill", cg_dir);
    CHECK(get_text(p, buf, sizeof buf) == 1 && buf[0] == '1', "cgroup.kill written");
    CHECK(watch[0]->killed, "not looked at again");
    mon_reset();
    FMT(p, "%s/lxc.payload.w1/init.scope/cgroup.procs", cg_dir);
    unlink(p);
    FMT(p, "%s/lxc.payload.w1/init.scope", cg_dir);
    rmdir(p);
}

/* The evidence of a process that worked between two looks and was gone by the second: from the look before. */
static void test_evidence_of_the_look_before(void) {
    char p[MON_PATH], err[256];
    FMT(p, "%s/ev/lxc.payload.e", scratch_dir);
    mkdirs(p);
    FMT(p, "%s/ev/lxc.payload.e/cgroup.procs", scratch_dir);
    put_text(p, "1\n40\n");
    char root[MON_PATH];
    FMT(root, "%s/ev", scratch_dir);
    struct mon_look *before = mon_look_read(proc_dir, root, "lxc.payload.e", 0, 500, err, sizeof err);
    put_text(p, "1\n");
    struct mon_look *now = mon_look_read(proc_dir, root, "lxc.payload.e", 0, 500, err, sizeof err);
    CHECK(before && now, "looks: %s", err);
    if (!before || !now) return;
    static const char tar[] = "tar\0c\0.";
    double_procs[0] = (struct double_proc){40, 1, 1000, "/usr/bin/tar", tar, sizeof tar - 1};
    double_nprocs = 1;
    static struct watched w;
    memset(&w, 0, sizeof w);
    struct use *u = malloc(sizeof *u);
    *u = (struct use){40, 200 * MIB, 0};
    w.window[0] = look_at(0, 1, NULL, 0, -1, -1);
    w.window[1] = look_at(200, 2, NULL, 0, -1, -1);
    w.window[2] = look_at(400, 3, u, 1, -1, -1);
    w.window_n = 3;
    evidence_refresh(&w, now, before);
    CHECK(w.nev == 1 && w.ev[0].pid == 40 && w.ev[0].seq == 2, "kept from the look before: %d", w.nev);
    struct mon_threat out[2];
    CHECK(workspace_detect(w.window, w.window_n, 100, 250, &w, out) == 1 && out[0].has_process && out[0].pid == 40
              && out[0].cmdline_len == sizeof tar - 1 && strcmp(out[0].exe, "/usr/bin/tar") == 0,
          "the process as evidence");
    /* once no look in the window has it, bytes only */
    w.window[0].seq = 3;
    evidence_refresh(&w, now, now);
    CHECK(w.nev == 0, "dropped with its look");
    CHECK(workspace_detect(w.window, w.window_n, 100, 250, &w, out) == 1 && !out[0].has_process, "bytes only");
    free(u);
    double_nprocs = 0;
    mon_look_free(before);
    mon_look_free(now);
}

int main(int argc, char **argv) {
    if (argc != 2 && argc != 3) {
        fprintf(stderr, "usage: native-watch-test SCRATCH_DIR [NFT_TABLE]\n");
        return 2;
    }
    if (geteuid() != 0) {
        fprintf(stderr, "native-watch-test needs root (fanotify, process events, tmpfs)\n");
        return 2;
    }
    snprintf(scratch_dir, sizeof scratch_dir, "%s", argv[1]);
    mkdirs(scratch_dir);
    /* the counters' table: the name given (the caller deletes it too, whatever happens here), or one of this run */
    if (argc == 3) snprintf(nl_table, sizeof nl_table, "%s", argv[2]);
    else snprintf(nl_table, sizeof nl_table, "coitest-nl-watch-%d", (int)getpid());
    if (strncmp(nl_table, "coitest-", 8) != 0 || !valid_name(nl_table, strlen(nl_table))) {
        fprintf(stderr, "the table's name must be a name and start with coitest-: %s\n", nl_table);
        return 2;
    }
    int table_ok = nl_table_make() == 0;
    fprintf(stderr, "-- test_targets_good\n");
    test_targets_good();
    fprintf(stderr, "-- test_targets_bad\n");
    test_targets_bad();
    fprintf(stderr, "-- test_spike\n");
    test_spike();
    fprintf(stderr, "-- test_workspace_io\n");
    test_workspace_io();
    fprintf(stderr, "-- test_fence\n");
    test_fence();
    fprintf(stderr, "-- test_traffic\n");
    test_traffic();
    fprintf(stderr, "-- test_nft_answer\n");
    test_nft_answer();
    fprintf(stderr, "-- test_counters_real\n");
    test_counters_real(table_ok);
    fprintf(stderr, "-- test_counters_lost\n");
    test_counters_lost(table_ok);
    fprintf(stderr, "-- test_kill\n");
    test_kill();
    fprintf(stderr, "-- test_watch\n");
    test_watch();
    fprintf(stderr, "-- test_guard_kills\n");
    test_guard_kills();
    fprintf(stderr, "-- test_too_much\n");
    test_too_much();
    fprintf(stderr, "-- test_shortfalls\n");
    test_shortfalls();
    fprintf(stderr, "-- test_unobservable\n");
    test_unobservable();
    fprintf(stderr, "-- test_evidence_of_the_look_before\n");
    test_evidence_of_the_look_before();
    if (ws_mounted) umount2(ws_dir, MNT_DETACH);
    if (table_ok) {
        nl_table_drop();
        char *list[] = {"nft", "list", "table", "inet", nl_table, NULL};
        CHECK(nft_cmd(list, NULL, NULL, 0) == 1, "table inet %s deleted", nl_table);
        nl_table_made = 0;
    }
    printf("native watch: %d checks, %d failed\n", checks, failures);
    return failures ? 1 : 0;
}
