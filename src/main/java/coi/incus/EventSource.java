package coi.incus;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.function.Consumer;

/** The daemon's events stream (/1.0/events). */
public interface EventSource {
    /**
     * Subscribes to the events stream ({@code types}: lifecycle, operation, logging). Events arrive
     * on a background thread until the returned handle is closed or the daemon goes away.
     */
    EventStream events(String types, Consumer<JsonNode> listener);
}
