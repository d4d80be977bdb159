package coi.session;

import static org.assertj.core.api.Assertions.assertThat;

import coi.monitor.Action;
import coi.monitor.AuditEvent;
import coi.monitor.AuditLog;
import coi.monitor.Evidence;
import coi.monitor.Level;
import coi.monitor.Threat;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MonitorGateTest {
    @TempDir
    Path sessions;

    @Test
    void aRunShowsTheMonitorsWarningsAndAFreezeWithWhatToDoButNotWhatCameBeforeIt() throws Exception {
        AuditLog log = AuditLog.under(sessions);
        Instant since = Instant.now();
        OffsetDateTime before = OffsetDateTime.ofInstant(since.minusSeconds(60), ZoneOffset.UTC), after = OffsetDateTime.ofInstant(since, ZoneOffset.UTC);
        log.append(AuditEvent.of("c-1", new Threat(Level.WARNING, Threat.CREDENTIALS, "an earlier session's warning", "", Evidence.none()),
                Action.ALERTED, before));
        log.append(AuditEvent.of("c-1", new Threat(Level.WARNING, Threat.CREDENTIALS, "reading other processes' environment", "", Evidence.none()),
                Action.ALERTED, after));
        log.append(AuditEvent.of("c-1", new Threat(Level.INFO, Threat.MONITOR, "monitoring started", "", Evidence.none()), Action.LOGGED, after));
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try (MonitorGate.Follower f = MonitorGate.followWarnings(sessions, "c-1", since, err)) {
            log.append(AuditEvent.of("c-1", new Threat(Level.HIGH, Threat.FILESYSTEM, "large workspace read: 163 MB in 3s", "", Evidence.none()),
                    Action.PAUSED, OffsetDateTime.now(ZoneOffset.UTC)));
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (System.nanoTime() < deadline && err.toString(StandardCharsets.UTF_8).lines().count() < 2) Thread.sleep(50);
        }
        assertThat(err.toString(StandardCharsets.UTF_8).lines().toList()).containsExactly(
                "coi: monitor warning: reading other processes' environment",
                "coi: monitor high: large workspace read: 163 MB in 3s; c-1 is frozen: `coi resume c-1` lets the command go on, `coi kill c-1` ends it");
    }
}
