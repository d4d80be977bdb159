package coi.monitor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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

    private static void write(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
    }
}
