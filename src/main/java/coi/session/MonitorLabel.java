package coi.session;

import coi.config.Config;
import coi.incus.Json;
import coi.incus.JsonTree;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** A session's [monitoring] settings carried on its container ({@link Labels#MONITOR}), for the supervisor. */
final class MonitorLabel {
    private MonitorLabel() {}

    static String encode(Config.Monitoring settings) {
        return new String(Json.bytes(settings), StandardCharsets.UTF_8);
    }

    /**
     * The settings of a monitored container; empty for one without the label or with one coi did not write.
     * Read off the tree, as binding would read what {@link #encode} wrote (snake_case names, a missing field
     * false or 0): the supervisor decodes every label each few seconds, and binding would keep Jackson's
     * ObjectMapper and its deserializers resident in it, about 500 classes (bench/background).
     */
    static Optional<Config.Monitoring> decode(String label) {
        if (label == null || label.isBlank()) return Optional.empty();
        try {
            JsonNode n = JsonTree.parse(label.getBytes(StandardCharsets.UTF_8));
            if (!n.isObject() || !n.path("suspicious_ports").isArray()) return Optional.empty();
            List<Integer> ports = new ArrayList<>();
            for (JsonNode port : n.get("suspicious_ports")) ports.add(integer(port));
            return Optional.of(new Config.Monitoring(bool(n.path("enabled")), bool(n.path("auto_pause_on_high")),
                    bool(n.path("auto_kill_on_critical")), integer(n.path("file_read_threshold_mb")),
                    integer(n.path("file_write_threshold_mb")), integer(n.path("process_count_threshold")),
                    integer(n.path("process_spawn_rate_threshold")), ports, integer(n.path("audit_log_retention_days"))));
        } catch (UncheckedIOException | IllegalArgumentException notOurs) {
            return Optional.empty();
        }
    }

    private static boolean bool(JsonNode v) {
        if (v.isMissingNode()) return false;
        if (!v.isBoolean()) throw new IllegalArgumentException("not a boolean: " + v);
        return v.booleanValue();
    }

    private static int integer(JsonNode v) {
        if (v.isMissingNode()) return 0;
        if (!v.isIntegralNumber() || !v.canConvertToInt()) throw new IllegalArgumentException("not an int: " + v);
        return v.intValue();
    }
}
