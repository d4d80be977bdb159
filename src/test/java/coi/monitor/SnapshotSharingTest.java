package coi.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SnapshotSharingTest {
    private static final Instant T0 = Instant.parse("2026-12-05T03:00:00Z");

    /** A fresh copy of every part, as each look reads them from /proc. */
    private static Snapshot.Proc proc(int pid, String cwd, long rchar, String... fds) {
        Map<Integer, String> table = new HashMap<>();
        for (int i = 0; i < fds.length; i++) table.put(i, new String(fds[i]));
        return new Snapshot.Proc(pid, 1, 1000, new String("bash"), new String("/usr/bin/bash"),
                new ArrayList<>(List.of(new String("bash"), new String("-i"))), new String(cwd), table, rchar, 0);
    }

    private static List<Snapshot.Conn> conns() {
        return List.of(new Snapshot.Conn("tcp", "10.0.0.2", 40000, new String("198.51.100.7"), 443, "ESTABLISHED", 99));
    }

    @Test
    void equalToTheLookAsReadWithTheUnchangedPartsOfTheLookBefore() {
        Snapshot before = new Snapshot("c", T0, List.of(proc(10, "/workspace", 5, "/dev/null", "pipe:[1]"), proc(11, "/", 0)), conns());
        Snapshot read = new Snapshot("c", T0.plusMillis(200),
                List.of(proc(10, "/workspace", 7, "/dev/null", "pipe:[1]"), proc(11, "/", 0), proc(12, "/tmp", 0, "socket:[5]")), conns());

        Snapshot shared = read.sharing(before);

        assertThat(shared).isEqualTo(read);
        // 11 did not change at all: the same object; 10 only read more: a new one around the same parts
        assertThat(shared.processes().get(1)).isSameAs(before.processes().get(1));
        Snapshot.Proc ten = shared.processes().getFirst();
        assertThat(ten).isNotSameAs(before.processes().getFirst());
        assertThat(ten.rchar()).isEqualTo(7);
        assertThat(ten.cmdline()).isSameAs(before.processes().getFirst().cmdline());
        assertThat(ten.fds()).isSameAs(before.processes().getFirst().fds());
        assertThat(ten.exe()).isSameAs(before.processes().getFirst().exe());
        // a new process is its own; the sockets did not change
        assertThat(shared.processes().get(2)).isSameAs(read.processes().get(2));
        assertThat(shared.connections()).isSameAs(before.connections());
    }

    @Test
    void whatChangedIsTheNewLooks() {
        Snapshot before = new Snapshot("c", T0, List.of(proc(10, "/workspace", 5, "/dev/null")), conns());
        Snapshot read = new Snapshot("c", T0.plusMillis(200), List.of(proc(10, "/tmp", 5, "/dev/null", "socket:[7]")), List.of());

        Snapshot shared = read.sharing(before);

        assertThat(shared).isEqualTo(read);
        assertThat(shared.processes().getFirst().cwd()).isEqualTo("/tmp");
        assertThat(shared.processes().getFirst().fds()).isEqualTo(Map.of(0, "/dev/null", 1, "socket:[7]"));
        assertThat(shared.connections()).isEmpty();
        assertThat(read.sharing(null)).isSameAs(read);
    }
}
