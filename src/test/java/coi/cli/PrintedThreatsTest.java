package coi.cli;

import static org.assertj.core.api.Assertions.assertThat;

import coi.monitor.Action;
import coi.monitor.AuditEvent;
import coi.monitor.Evidence;
import coi.monitor.Level;
import coi.monitor.Threat;
import java.time.OffsetDateTime;
import org.junit.jupiter.api.Test;

/**
 * A threat's title names what the agent ran (a program's file name): where coi prints one on the
 * user's terminal, an escape sequence or a newline in it comes out escaped, on one line.
 */
class PrintedThreatsTest {
    static final String NAMED = "reading credential files by \u001b]0;pwned\u0007\nFAKE LINE";
    static final Threat THREAT = new Threat(Level.WARNING, Threat.CREDENTIALS, NAMED, "", Evidence.none());

    @Test
    void auditTextIsOnePrintableLine() {
        AuditEvent e = AuditEvent.of("coi-x-1", THREAT, Action.ALERTED, OffsetDateTime.parse("2026-12-07T09:00:00Z"));
        assertThat(AuditCommand.text(e)).contains("by \\u001b]0;pwned\\u0007\\u000aFAKE LINE").doesNotContain("\u001b", "\u0007", "\n");
    }
}
