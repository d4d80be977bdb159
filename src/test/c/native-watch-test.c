/*
 * Tests of monitor.c (the native watch), run by coi.monitor.NativeWatchTest: built with the pom's gcc flags
 * together with look-double.c (a scripted stand-in for monitor-look.c). monitor.c is included so that its
 * parts (the parser, the detectors, the kill) are tested on their own too. Needs root (fanotify, the process
 * events connector, tmpfs). Prints each failure and exits 1 when any check failed.
 *
 * usage: native-watch-test SCRATCH_DIR
 * Run as "nft" (argv[0]) it is the recorded nft of the counter tests.
 */
#include "../../main/c/monitor.c"

#include <ftw.h>
#include <sys/mount.h>

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

/* ---- the recorded nft (nft 1.0.6's answers) ---- */

static const char NFT_COUNTER[] =
    "{\"nftables\": [{\"metainfo\": {\"version\": \"1.0.6\", \"release_name\": \"Lester Gooch #5\", \"json_schema_version\": 1}}, "
    "{\"counter\": {\"family\": \"inet\", \"name\": \"coi-x-1.blocked\", \"table\": \"coi\", \"handle\": 3, \"packets\": 42, \"bytes\": 2520}}]}\n";
static const char NFT_MISSING[] = "Error: No such file or directory; did you mean counter \"coi-x-1.dns\" in table inet \"coi\"?\n"
                                  "list counter inet coi missing\n                     ^^^^^^^\n";

static int fake_nft(int argc, char **argv) {
    /* nft -j list counter FAMILY TABLE NAME */
    if (argc != 7 || strcmp(argv[1], "-j") || strcmp(argv[2], "list") || strcmp(argv[3], "counter") || strcmp(argv[4], "inet")
        || strcmp(argv[5], "coi")) {
        fprintf(stderr, "fake nft: unexpected arguments\n");
        return 2;
    }
    const char *name = argv[6];
    if (strcmp(name, "coi-x-1.blocked") == 0) {
        fputs(NFT_COUNTER, stdout);
        return 0;
    }
    if (strcmp(name, "missing") == 0) {
        fputs(NFT_MISSING, stderr);
        return 1;
    }
    if (strcmp(name, "slow") == 0) {
        sleep(30);
        return 0;
    }
    fputs("Error: Could not process rule: Operation not permitted\n", stderr);
    return 1;
}

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

/* ---- nft ---- */

static void test_nft_extraction(void) {
    long long p = -7;
    CHECK(nft_packets(NFT_COUNTER, strlen(NFT_COUNTER), &p) == 1 && p == 42, "packets %lld", p);
    const char *pretty = "{\n  \"nftables\": [\n    {\"counter\": {\n      \"name\": \"packets\",\n      \"bytes\": 9, \"packets\" :  7 } } ] }";
    CHECK(nft_packets(pretty, strlen(pretty), &p) == 1 && p == 7, "a key after a string value named packets: %lld", p);
    const char *none = "{\"nftables\": [{\"metainfo\": {\"version\": \"1.0.6\"}}]}";
    CHECK(nft_packets(none, strlen(none), &p) == 0, "no counter");
    const char *nested = "{\"nftables\": [{\"x\": {\"packets\": 5}}, {\"counter\": {\"sub\": {\"packets\": 9}, \"packets\": 3}}]}";
    CHECK(nft_packets(nested, strlen(nested), &p) == 1 && p == 3, "the counter's own packets: %lld", p);
    struct nft_child c;
    memset(&c, 0, sizeof c);
    c.out = (char *)NFT_MISSING;
    c.len = strlen(NFT_MISSING);
    c.status_known = 1;
    c.status = 1 << 8;
    CHECK(nft_value(&c) == 0, "no such object is 0");
    c.out = "Error: Operation not permitted\n";
    c.len = strlen(c.out);
    CHECK(nft_value(&c) == -1, "a failure is unknown");
    c.out = (char *)NFT_COUNTER;
    c.len = strlen(NFT_COUNTER);
    c.status = 0;
    CHECK(nft_value(&c) == 42, "exit 0");
    c.out = "{\"nftables\": []}";
    c.len = strlen(c.out);
    CHECK(nft_value(&c) == 0, "no counter item is 0 (NetworkFence.counter)");
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

static void test_watch(const char *self) {
    char why[1024] = "", buf[65536], p[MON_PATH];
    setup_watch();
    if (!ws_mounted) return;
    nft_path = self;
    /* a warning and a critical, the critical one first; a seen key for the warning from an hour ago (expired) */
    /* seen by the supervisor: the warning's key an hour ago (expired: handed over again), the third one's a second ago */
    char targets[4096], warn_hex[512], seen_hex[512];
    long long long_ago = wall_ms() - 3600000, recent = wall_ms() - 1000;
    hex(warn_hex, sizeof warn_hex, "credential_scan|reading other processes' environment|cat /proc/1/environ");
    hex(seen_hex, sizeof seen_hex, "process|seen # times|");
    FMT(targets,
        "coi-monitor-targets\t1\nnft\tinet\tcoi\n"
        "seen\tw1\t%lld\t%s\n"
        "target\tw1\tlxc.payload.w1\t4242\t0\t1\t100\t1\t500\t200\t-\tcoi-x-1.blocked\tmissing\n"
        "seen\tw1\t%lld\t%s\n",
        long_ago, warn_hex, recent, seen_hex);
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

static void test_counters_failing(void) {
    /* a counter nft fails to read makes both unknown (Fence.UNKNOWN); a slow nft is given up at its timeout */
    static struct watched w;
    memset(&w, 0, sizeof w);
    w.nft[0].fd = w.nft[1].fd = -1;
    snprintf(w.t.blocked_counter, sizeof w.t.blocked_counter, "coi-x-1.blocked");
    snprintf(w.t.dns_counter, sizeof w.t.dns_counter, "broken");
    snprintf(nft_family, sizeof nft_family, "inet");
    snprintf(nft_table, sizeof nft_table, "coi");
    counters_first(&w);
    CHECK(!w.reading && w.blocked == -1 && w.dns == -1, "unknown: %lld %lld", w.blocked, w.dns);
    memset(&w, 0, sizeof w);
    w.nft[0].fd = w.nft[1].fd = -1;
    snprintf(w.t.blocked_counter, sizeof w.t.blocked_counter, "slow");
    nft_timeout_ms = 300;
    long long start = mono_ns();
    counters_start(&w, start);
    CHECK(w.reading && w.nft[0].pid > 0, "started");
    while (w.reading && mono_ns() - start < 3000000000LL) {
        struct timespec ts = {0, 20000000};
        nanosleep(&ts, NULL);
        counters_service(&w, mono_ns());
    }
    CHECK(!w.reading && w.blocked == -1, "given up: %lld", w.blocked);
    CHECK(mono_ns() - start < 2000000000LL, "at its timeout");
    nft_timeout_ms = 10000;
    /* and not again within a second */
    counters_start(&w, mono_ns());
    CHECK(!w.reading, "at most once a second");
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
    const char *base = strrchr(argv[0], '/');
    if (strcmp(base ? base + 1 : argv[0], "nft") == 0) return fake_nft(argc, argv);
    if (argc != 2) {
        fprintf(stderr, "usage: native-watch-test SCRATCH_DIR\n");
        return 2;
    }
    if (geteuid() != 0) {
        fprintf(stderr, "native-watch-test needs root (fanotify, process events, tmpfs)\n");
        return 2;
    }
    snprintf(scratch_dir, sizeof scratch_dir, "%s", argv[1]);
    mkdirs(scratch_dir);
    /* the recorded nft: this program under the name nft */
    char self[MON_PATH], nft[MON_PATH];
    ssize_t sl = readlink("/proc/self/exe", self, sizeof self - 1);
    if (sl <= 0) return 2;
    self[sl] = 0;
    path_of(nft, sizeof nft, "nft");
    unlink(nft);
    if (symlink(self, nft) < 0) {
        fprintf(stderr, "cannot link %s: %s\n", nft, strerror(errno));
        return 2;
    }
    nft_path = nft;
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
    fprintf(stderr, "-- test_nft_extraction\n");
    test_nft_extraction();
    fprintf(stderr, "-- test_kill\n");
    test_kill();
    fprintf(stderr, "-- test_counters_failing\n");
    test_counters_failing();
    fprintf(stderr, "-- test_watch\n");
    test_watch(nft);
    fprintf(stderr, "-- test_guard_kills\n");
    test_guard_kills();
    fprintf(stderr, "-- test_too_much\n");
    test_too_much();
    fprintf(stderr, "-- test_unobservable\n");
    test_unobservable();
    fprintf(stderr, "-- test_evidence_of_the_look_before\n");
    test_evidence_of_the_look_before();
    if (ws_mounted) umount2(ws_dir, MNT_DETACH);
    printf("native watch: %d checks, %d failed\n", checks, failures);
    return failures ? 1 : 0;
}
