package coi.session;

import static org.assertj.core.api.Assertions.assertThat;

import coi.incus.Model;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ViewlessStartTest {
    private static final String NAME = "coi-1a2b3c4d-1";
    private static final long INIT = 4242;

    @TempDir
    Path root;

    /** A host whose clock and init start are set by the test. */
    private static final class Host implements ViewlessStart.Boot {
        String id = "boot-a";
        long now;
        long initStarted;

        @Override
        public String id() {
            return id;
        }

        @Override
        public long now() {
            return now;
        }

        @Override
        public OptionalLong started(long pid) {
            return pid == INIT ? OptionalLong.of(initStarted) : OptionalLong.empty();
        }
    }

    private final Host host = new Host();

    private Path view() throws IOException {
        return Files.createDirectories(ProtectedView.path(root, NAME));
    }

    private static Model.Instance running(String workspaceSource, long pid) {
        return new Model.Instance(NAME, "Running", "container", false, null, null, Map.of(), Map.of(),
                Map.of("workspace", Map.of("type", "disk", "source", workspaceSource, "path", "/workspace")), Map.of(), List.of(),
                new Model.InstanceState("Running", pid, Map.of()));
    }

    @Test
    void aContainerWhoseInitStartedAfterItsViewWentDownRunsWithoutIt() throws IOException {
        Path view = view();
        host.now = 1000;
        ViewlessStart.noteTakenDown(view, host);
        host.initStarted = 1500;
        assertThat(new ViewlessStart(root, host).startedWithoutView(running(view.toString(), INIT))).isTrue();
    }

    @Test
    void aContainerStartedBeforeItsViewWentDownHasItsOwnCopy() throws IOException {
        Path view = view();
        host.initStarted = 990;
        host.now = 1000;
        ViewlessStart.noteTakenDown(view, host);
        assertThat(new ViewlessStart(root, host).startedWithoutView(running(view.toString(), INIT))).isFalse();
    }

    @Test
    void aNoteFromAnEarlierBootMeansEveryStartOfThisBootCameAfterIt() throws IOException {
        Path view = view();
        host.now = 900_000;
        ViewlessStart.noteTakenDown(view, host);
        host.id = "boot-b";
        host.initStarted = 300;
        assertThat(new ViewlessStart(root, host).startedWithoutView(running(view.toString(), INIT))).isTrue();
    }

    @Test
    void withoutANoteOrAProcessOrAViewAsWorkspaceNothingIsConcluded() throws IOException {
        Path view = view();
        host.initStarted = 1500;
        ViewlessStart check = new ViewlessStart(root, host);
        assertThat(check.startedWithoutView(running(view.toString(), INIT))).as("no note (taken down by an older coi)").isFalse();
        ViewlessStart.noteTakenDown(view, host);
        assertThat(check.startedWithoutView(running(view.toString(), INIT + 1))).as("no such process").isFalse();
        assertThat(check.startedWithoutView(running("/home/u/project", INIT))).as("the workspace mounted directly").isFalse();
        assertThat(check.startedWithoutView(running(view.toString(), 0))).as("no init").isFalse();
    }

    @Test
    void anUnreadableNoteConcludesNothing() throws IOException {
        Path view = view();
        Files.writeString(ViewlessStart.noteOf(view), "garbage\n");
        host.initStarted = 1500;
        assertThat(new ViewlessStart(root, host).startedWithoutView(running(view.toString(), INIT))).isFalse();
    }

    @Test
    void theNoteLiesBesideTheViewOutsideWhatTheContainerMounts() {
        Path view = ProtectedView.path(root, NAME);
        assertThat(ViewlessStart.noteOf(view)).isEqualTo(root.resolve("views").resolve(NAME + ".down"));
        assertThat(ViewlessStart.noteOf(view).startsWith(view)).isFalse();
    }

    @Test
    void procStatAndUptimeAreReadInTicks() {
        // a name with blanks and parentheses, as a process may give itself
        String stat = "4242 (a) b (c) S 1 4242 4242 0 -1 4194560 1153 0 0 0 3 4 0 0 20 0 1 0 7092882 23846912 2800 18446744073709551615";
        assertThat(ViewlessStart.startTicks(stat)).hasValue(7092882);
        assertThat(ViewlessStart.startTicks("4242 (short) S 1")).isEmpty();
        assertThat(ViewlessStart.uptimeTicks("70928.82 130000.11\n")).isEqualTo(7092882);
        assertThat(ViewlessStart.uptimeTicks("70928.8 1.0")).isEqualTo(7092880);
        assertThat(ViewlessStart.uptimeTicks("70928 1")).isEqualTo(7092800);
    }

    @Test
    void thisHostsBootClockCountsProcessStartsOnTheSameScale() {
        ViewlessStart.Boot local = ViewlessStart.local();
        long before = local.now();
        long self = local.started(ProcessHandle.current().pid()).orElseThrow();
        long ageTicks = java.time.Duration.between(ProcessHandle.current().info().startInstant().orElseThrow(), java.time.Instant.now()).toMillis() / 10;
        assertThat(self).isLessThanOrEqualTo(before).isGreaterThanOrEqualTo(before - ageTicks - 200);
        assertThat(local.id()).isNotBlank();
    }
}
