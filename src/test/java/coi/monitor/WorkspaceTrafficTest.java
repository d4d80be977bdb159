package coi.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Event sequences as fanotify and /proc/PID/io give them for the workloads that the old
 * attribution (the whole io of processes working in /workspace) could not tell apart.
 */
class WorkspaceTrafficTest {
    private static final long MB = 1024 * 1024;
    private final WorkspaceTraffic traffic = new WorkspaceTraffic();
    /** /proc/PID/io as the test sets it; a pid not in it is gone. */
    private final Map<Integer, WorkspaceTraffic.Counters> io = new HashMap<>();

    private void counters(int pid, long read, long written) {
        io.put(pid, new WorkspaceTraffic.Counters(read, written));
    }

    private void events(Fanotify.Access... batch) {
        traffic.record(List.of(batch), io::get);
    }

    private static Fanotify.Access read(int pid, String file, long size) {
        return new Fanotify.Access(pid, file, size, false);
    }

    private static Fanotify.Access wrote(int pid, String file, long size) {
        return new Fanotify.Access(pid, file, size, true);
    }

    private long charged(List<Snapshot.WorkspaceUse> uses, boolean write) {
        return uses.stream().mapToLong(u -> write ? u.written() : u.read()).sum();
    }

    @Test
    void aProcessWorkingInTheWorkspaceThatTouchesNoWorkspaceFileIsNotCharged() {
        // sudo apt-get install from /workspace: hundreds of MB through its counters, no event on the workspace mount
        counters(700, 600 * MB, 120 * MB);
        assertThat(traffic.take()).isEmpty();
    }

    @Test
    void aShortReaderIsChargedWhatItReadEvenWhenItIsGoneBeforeTheLook() {
        // cat big.bin, 200 MB in a few dozen ms: its counters are read at each batch of events while it runs
        counters(801, 2 * MB, 0);
        events(read(801, "big.bin", 200 * MB));
        counters(801, 150 * MB, 0);
        events(read(801, "big.bin", 200 * MB));
        counters(801, 199 * MB, 0);
        events(read(801, "big.bin", 200 * MB));
        io.remove(801);
        assertThat(charged(traffic.take(), false)).isEqualTo(199 * MB);
    }

    @Test
    void aReaderGoneBeforeItsCountersCouldBeReadIsChargedTheFilesSize() {
        events(read(802, "big.bin", 200 * MB));
        assertThat(traffic.take()).containsExactly(new Snapshot.WorkspaceUse(802, 200 * MB, 0));
    }

    @Test
    void aPartialReadOfALargeFileIsChargedWhatWasRead() {
        // head -c 4096 of a 500 MB log, after reading its libraries
        counters(803, 40_000, 0);
        events(read(803, "app.log", 500 * MB));
        assertThat(charged(traffic.take(), false)).isEqualTo(40_000);
    }

    @Test
    void aProcessThatDownloadsALotButTouchesSmallWorkspaceFilesIsChargedTheirSizes() {
        // npm install: 80 MB from the registry and its cache (rchar), package.json and the lock file from the workspace,
        // 30 MB written into node_modules
        counters(900, 80 * MB, 30 * MB);
        events(read(900, "package.json", 600), read(900, "package-lock.json", 40_000));
        List<Fanotify.Access> modules = new ArrayList<>();
        for (int i = 0; i < 300; i++) modules.add(wrote(900, "node_modules/f" + i, 100_000));
        traffic.record(modules, io::get);
        List<Snapshot.WorkspaceUse> uses = traffic.take();
        assertThat(charged(uses, false)).isEqualTo(40_600);
        assertThat(charged(uses, true)).isEqualTo(30_000_000);
    }

    @Test
    void aReaderThatReopensTheFileInChunksIsChargedEveryChunkAcrossLooks() {
        // dd if=big.bin bs=1M count=20 skip=N, one process per chunk, none seen by a look
        long total = 0;
        for (int chunk = 0; chunk < 10; chunk++) {
            int pid = 1000 + chunk;
            counters(pid, 20 * MB + 8_000, 0);
            events(read(pid, "big.bin", 200 * MB));
            io.remove(pid);
            if (chunk % 3 == 2) total += charged(traffic.take(), false);
        }
        total += charged(traffic.take(), false);
        assertThat(total).isEqualTo(10 * (20 * MB + 8_000));
    }

    @Test
    void oneProcessReadingAcrossLooksIsChargedTheGrowthOfItsCountersEachTime() {
        // a python exfiltration: opens, reads 64 MB, closes, reopens the same file, for seconds
        counters(1100, 64 * MB, 0);
        events(read(1100, "big.bin", 200 * MB));
        assertThat(charged(traffic.take(), false)).isEqualTo(64 * MB);
        counters(1100, 128 * MB, 0);
        events(read(1100, "big.bin", 200 * MB));
        counters(1100, 192 * MB, 0);
        events(read(1100, "big.bin", 200 * MB));
        assertThat(charged(traffic.take(), false)).isEqualTo(128 * MB);
    }

    @Test
    void tarOverManySmallFilesIsChargedTheirSumBoundedByWhatItRead() {
        counters(1200, 0, 0);
        List<Fanotify.Access> files = new ArrayList<>();
        for (int i = 0; i < 5000; i++) files.add(read(1200, "src/f" + i, 30_000));
        counters(1200, 150_000_000L + 4_096, 150_000_000L);
        traffic.record(files, io::get);
        // tar writes to a pipe, not a workspace file: nothing written is charged
        assertThat(traffic.take()).containsExactly(new Snapshot.WorkspaceUse(1200, 150_000_000L, 0));
    }
}
