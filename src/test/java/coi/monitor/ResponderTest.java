package coi.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import coi.config.Config;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResponderTest {
    private static final Config.Monitoring DEFAULTS = new Config.Monitoring(true, true, true, 100, 250, 500, 200, List.of(4444), 30);
    @TempDir Path dir;

    private final List<String> done = new ArrayList<>();
    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-04T10:00:00Z"));
    private final Responder.Effects effects = new Responder.Effects() {
        public void alert(String c, Threat t) { done.add("alert " + c + " " + t.title()); }
        public void pause(String c, Threat t) { done.add("pause " + c + " " + t.title()); }
        public void kill(String c, Threat t) { done.add("kill " + c + " " + t.title()); }
    };

    private static Threat threat(Level level, String title) {
        return new Threat(level, "test", title, "why", Evidence.of(new Snapshot.Proc(7, 1, 1000, "sh", "/bin/sh",
                List.of("sh", "-c", "scan"), "/workspace", java.util.Map.of(), 0, 0)));
    }

    @Test
    void eachLevelGetsItsActionTheMostSeriousFirstAndNothingIsActedOnAfterAKill() {
        AuditLog log = new AuditLog(dir);
        Responder r = new Responder(log, effects, clock);
        List<AuditEvent> events = r.respond("c1", DEFAULTS, List.of(threat(Level.INFO, "i"), threat(Level.WARNING, "w"),
                threat(Level.CRITICAL, "c"), threat(Level.HIGH, "h")));
        assertThat(events).extracting(AuditEvent::action).containsExactly(Action.KILLED, Action.LOGGED, Action.LOGGED, Action.LOGGED);
        assertThat(done).containsExactly("kill c1 c");
        assertThat(log.read("c1")).extracting(AuditEvent::title).containsExactly("c", "h", "w", "i");

        r.respond("c2", DEFAULTS, List.of(threat(Level.WARNING, "w"), threat(Level.HIGH, "h")));
        assertThat(done).containsExactly("kill c1 c", "pause c2 h");
        r.respond("c3", DEFAULTS, List.of(threat(Level.WARNING, "w")));
        assertThat(done).endsWith("alert c3 w");
    }

    @Test
    void theSettingsCanTurnPausingAndKillingOff() {
        var noStops = new Config.Monitoring(true, false, false, 100, 250, 500, 200, List.of(), 30);
        assertThat(Responder.action(Level.CRITICAL, noStops)).isEqualTo(Action.ALERTED);
        assertThat(Responder.action(Level.HIGH, noStops)).isEqualTo(Action.ALERTED);
        var pauseOnly = new Config.Monitoring(true, true, false, 100, 250, 500, 200, List.of(), 30);
        assertThat(Responder.action(Level.CRITICAL, pauseOnly)).isEqualTo(Action.PAUSED);
    }

    @Test
    void theSameThreatWithin30SecondsIsRecordedOnceAsDeduplicated() {
        AuditLog log = new AuditLog(dir);
        Responder r = new Responder(log, effects, clock);
        for (int i = 0; i < 5; i++) {
            r.respond("c1", DEFAULTS, List.of(threat(Level.WARNING, "scan " + i)));
            clock.advance(Duration.ofSeconds(5));
        }
        assertThat(log.read("c1")).extracting(AuditEvent::action).containsExactly(Action.ALERTED, Action.DEDUPLICATED);
        clock.advance(Duration.ofSeconds(10));
        r.respond("c1", DEFAULTS, List.of(threat(Level.WARNING, "scan 9")));
        assertThat(log.read("c1")).extracting(AuditEvent::action).containsExactly(Action.ALERTED, Action.DEDUPLICATED, Action.ALERTED);
        assertThat(done).hasSize(2);
    }

    /** CI: a reverse shell in a new `coi run` container, named as the one just stopped for the same, lived out its period. */
    @Test
    void aThreatToBeKilledIsKilledAgainWithinThePeriod() {
        AuditLog log = new AuditLog(dir);
        Responder r = new Responder(log, effects, clock);
        r.respond("c1", DEFAULTS, List.of(threat(Level.CRITICAL, "rev")));
        clock.advance(Duration.ofSeconds(6));
        r.respond("c1", DEFAULTS, List.of(threat(Level.CRITICAL, "rev")));
        assertThat(log.read("c1")).extracting(AuditEvent::action).containsExactly(Action.KILLED, Action.KILLED);
        assertThat(done).containsExactly("kill c1 rev", "kill c1 rev");
    }

    @Test
    void auditLinesAreWholeJsonObjectsWithTheIssuesFieldsAndOldLogsExpire() throws Exception {
        AuditLog log = new AuditLog(dir);
        new Responder(log, effects, clock).respond("c1", DEFAULTS, List.of(threat(Level.CRITICAL, "rev")));
        String line = Files.readAllLines(log.file("c1")).getFirst();
        var json = coi.incus.Json.MAPPER.readTree(line);
        assertThat(json.fieldNames()).toIterable().containsExactly("id", "timestamp", "container", "level", "category", "title",
                "description", "action", "evidence");
        assertThat(json.get("timestamp").asText()).isEqualTo("2026-12-04T10:00:00Z");
        assertThat(json.get("level").asText()).isEqualTo("critical");
        assertThat(json.get("action").asText()).isEqualTo("killed");
        assertThat(json.at("/evidence/process/cmdline/2").asText()).isEqualTo("scan");
        assertThat(json.at("/evidence/process/exe").asText()).isEqualTo("/bin/sh");
        assertThat(json.get("evidence").has("network")).isFalse();

        Files.setLastModifiedTime(log.file("c1"), java.nio.file.attribute.FileTime.from(Instant.parse("2026-10-01T00:00:00Z")));
        new Responder(log, effects, clock).respond("c2", DEFAULTS, List.of(threat(Level.INFO, "fresh")));
        assertThat(log.expire(Duration.ofDays(30), clock.instant())).isEqualTo(1);
        assertThat(log.containers()).containsExactly("c2");
    }

    static final class MutableClock extends Clock {
        private Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override public ZoneOffset getZone() { return ZoneOffset.UTC; }
        @Override public Clock withZone(java.time.ZoneId zone) { return this; }
        @Override public Instant instant() { return now; }
    }
}
