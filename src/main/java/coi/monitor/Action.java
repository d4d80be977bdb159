package coi.monitor;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** What the responder did about a threat, as the audit log records it. */
public enum Action {
    LOGGED, ALERTED, PAUSED, KILLED, DEDUPLICATED;

    @JsonValue
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
