package coi.monitor;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** How serious a threat is, in rising order; the level decides the response. */
public enum Level {
    INFO, WARNING, HIGH, CRITICAL;

    @JsonValue
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Level parse(String text) {
        return valueOf(text.trim().toUpperCase(Locale.ROOT));
    }
}
