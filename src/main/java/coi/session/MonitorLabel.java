package coi.session;

import coi.config.Config;
import coi.incus.Json;
import java.io.IOException;
import java.util.Optional;

/** A session's [monitoring] settings carried on its container ({@link Labels#MONITOR}), for the supervisor. */
final class MonitorLabel {
    private MonitorLabel() {}

    static String encode(Config.Monitoring settings) {
        return new String(Json.bytes(settings), java.nio.charset.StandardCharsets.UTF_8);
    }

    /** The settings of a monitored container; empty for one without the label or with one coi did not write. */
    static Optional<Config.Monitoring> decode(String label) {
        if (label == null || label.isBlank()) return Optional.empty();
        try {
            return Optional.of(Json.MAPPER.readValue(label, Config.Monitoring.class));
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
