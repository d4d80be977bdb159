package coi.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Command-line flags, the highest configuration layer, as the user typed them: the loader
 * validates them and names the flag in its errors. A null field means the flag was not given.
 *
 * @param environment {@code --env K=V}, added on top of the configured environment
 * @param mounts      {@code --mount HOST:CONTAINER}, appended to the configured mounts
 * @param limits      the other {@code --limit-*} flags by their [limits] key (processes, swap, cpu_allowance,
 *                    disk_read, disk_write, disk_size)
 * @param remote      {@code --remote NAME}: the incus CLI remote to use, over every other way of naming the daemon
 */
public record Overrides(
        String image,
        Boolean persistent,
        String tool,
        String network,
        String profile,
        Map<String, String> environment,
        List<String> mounts,
        String storage,
        String limitCpu,
        String limitMemory,
        String limitDuration,
        Map<String, String> limits,
        String remote) {

    public static final Overrides NONE =
            new Overrides(null, null, null, null, null, null, null, null, null, null, null);

    public Overrides(String image, Boolean persistent, String tool, String network, String profile, Map<String, String> environment,
                     List<String> mounts, String storage, String limitCpu, String limitMemory, String limitDuration,
                     Map<String, String> limits) {
        this(image, persistent, tool, network, profile, environment, mounts, storage, limitCpu, limitMemory, limitDuration, limits, null);
    }

    public Overrides(String image, Boolean persistent, String tool, String network, String profile, Map<String, String> environment,
                     List<String> mounts, String storage, String limitCpu, String limitMemory, String limitDuration) {
        this(image, persistent, tool, network, profile, environment, mounts, storage, limitCpu, limitMemory, limitDuration, Map.of());
    }

    /** These flags with `--remote NAME` (null: not given). */
    public Overrides withRemote(String name) {
        return new Overrides(image, persistent, tool, network, profile, environment, mounts, storage, limitCpu, limitMemory,
                limitDuration, limits, name);
    }

    public Overrides {
        // Kept in the order given, so that the container's environment is deterministic.
        environment = environment == null ? Map.of() : Collections.unmodifiableSequencedMap(new LinkedHashMap<>(environment));
        mounts = mounts == null ? List.of() : List.copyOf(mounts);
        limits = limits == null ? Map.of() : Map.copyOf(limits);
    }
}
