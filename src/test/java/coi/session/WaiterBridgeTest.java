package coi.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the supervisor takes for the waiter's bridge (coi-waiter.c's BRIDGE_ENV): only a pipe of its own and a child
 * of its own. The variable is inherited by whatever a supervisor starts; a value that names anything else must
 * close nothing. The bridge itself, forked and ended, is NativeMonitorIT's.
 */
class WaiterBridgeTest {
    private static final long SELF = 4242;

    @TempDir Path proc;

    private void descriptor(int fd, String target) throws IOException {
        Files.createDirectories(proc.resolve("self/fd"));
        Files.createSymbolicLink(proc.resolve("self/fd/" + fd), Path.of(target));
    }

    private void process(long pid, String stat) throws IOException {
        Files.createDirectories(proc.resolve(Long.toString(pid)));
        Files.writeString(proc.resolve(pid + "/stat"), stat);
    }

    @Test
    void aPipeOfThisProcessAndAChildOfItAreTheBridge() throws IOException {
        descriptor(7, "pipe:[123456]");
        process(5150, "5150 (coi-waiter) S " + SELF + " 5150 5150 0 -1 4194560");
        assertThat(WaiterBridge.inherited("7 5150", proc, SELF)).hasValueSatisfying(b -> assertThat(b.pid()).isEqualTo(5150));
    }

    @Test
    void anythingElseIsNoBridge() throws IOException {
        descriptor(7, "pipe:[123456]");
        descriptor(8, "/home/user/.coi/watcher.log");
        process(5150, "5150 (coi-waiter) S " + SELF + " 5150 5150 0 -1 4194560");
        process(6160, "6160 (bash) S 1 6160 6160 0 -1 4194560");
        assertThat(WaiterBridge.inherited(null, proc, SELF)).as("no variable").isEmpty();
        assertThat(WaiterBridge.inherited("7", proc, SELF)).as("no pid").isEmpty();
        assertThat(WaiterBridge.inherited("7 5150 1", proc, SELF)).as("more than two numbers").isEmpty();
        assertThat(WaiterBridge.inherited("-7 5150", proc, SELF)).isEmpty();
        assertThat(WaiterBridge.inherited("8 5150", proc, SELF)).as("a file, not a pipe").isEmpty();
        assertThat(WaiterBridge.inherited("9 5150", proc, SELF)).as("no such descriptor").isEmpty();
        assertThat(WaiterBridge.inherited("2 5150", proc, SELF)).as("stdio").isEmpty();
        assertThat(WaiterBridge.inherited("7 6160", proc, SELF)).as("not a child of this process").isEmpty();
        assertThat(WaiterBridge.inherited("7 7170", proc, SELF)).as("no such process").isEmpty();
        assertThat(WaiterBridge.inherited("7 " + SELF, proc, SELF)).as("this process itself").isEmpty();
    }

    @Test
    void theParentIsReadAfterTheCommandWhateverItHolds() {
        assertThat(WaiterBridge.parent("5150 (a) S 1 (x) 7 S 99) S 4242 5150 5150 0")).isEqualTo(4242);
        assertThat(WaiterBridge.parent("5150 (coi-waiter) S 17 5150")).isEqualTo(17);
    }
}
