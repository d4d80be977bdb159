package coi.session;

import static org.assertj.core.api.Assertions.assertThat;

import coi.monitor.Action;
import coi.monitor.AuditEvent;
import coi.monitor.Evidence;
import coi.monitor.Level;
import coi.monitor.Threat;
import java.time.OffsetDateTime;
import org.junit.jupiter.api.Test;

/** The monitor's warnings `coi run` prints on stderr: a title naming what the agent ran is one printable line. */
class PrintedWarningsTest {
    @Test
    void aWarningOfCoiRunIsOnePrintableLine() {
        Threat threat = new Threat(Level.WARNING, Threat.CREDENTIALS, "reading credential files by \u001b]0;pwned\u0007\nFAKE LINE", "", Evidence.none());
        AuditEvent e = AuditEvent.of("coi-x-1", threat, Action.PAUSED, OffsetDateTime.parse("2026-12-07T09:00:00Z"));
        assertThat(MonitorGate.line("coi-x-1", e)).startsWith("coi: monitor warning: reading credential files by \\u001b]0;pwned\\u0007\\u000aFAKE LINE;")
                .doesNotContain("\u001b", "\u0007", "\n");
    }
}
