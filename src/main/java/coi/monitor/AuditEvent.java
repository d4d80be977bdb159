package coi.monitor;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.UUID;

/** One line of the audit log: a threat, or a fact about monitoring itself, and what was done. */
public record AuditEvent(String id, String timestamp, String container, Level level, String category, String title,
                         String description, Action action, Evidence evidence) {

    public static AuditEvent of(String container, Threat t, Action action, OffsetDateTime when) {
        return new AuditEvent(UUID.randomUUID().toString(), when.withOffsetSameInstant(ZoneOffset.UTC).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME),
                container, t.level(), t.category(), t.title(), t.description(), action, t.evidence());
    }

    public OffsetDateTime time() {
        return OffsetDateTime.parse(timestamp);
    }
}
