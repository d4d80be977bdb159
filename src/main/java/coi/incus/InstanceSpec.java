package coi.incus;

import java.util.List;
import java.util.Map;

/**
 * What to create: a container from a local image alias or fingerprint, or with {@code server}
 * set, from an alias on a simplestreams image server (e.g. https://images.linuxcontainers.org).
 */
public record InstanceSpec(String name, String image, Map<String, String> config,
                           Map<String, Map<String, String>> devices, List<String> profiles,
                           boolean ephemeral, boolean start, String server) {
    public InstanceSpec(String name, String image, Map<String, String> config, Map<String, Map<String, String>> devices,
                        List<String> profiles, boolean ephemeral, boolean start) {
        this(name, image, config, devices, profiles, ephemeral, start, null);
    }

    public InstanceSpec {
        config = Map.copyOf(config);
        devices = Map.copyOf(devices);
        profiles = profiles == null ? null : List.copyOf(profiles);
    }

    public static InstanceSpec of(String name, String image) {
        return new InstanceSpec(name, image, Map.of(), Map.of(), null, false, false, null);
    }

    public InstanceSpec withEphemeral(boolean value) {
        return new InstanceSpec(name, image, config, devices, profiles, value, start, server);
    }

    public InstanceSpec withStart(boolean value) {
        return new InstanceSpec(name, image, config, devices, profiles, ephemeral, value, server);
    }

    public InstanceSpec withConfig(Map<String, String> value) {
        return new InstanceSpec(name, image, value, devices, profiles, ephemeral, start, server);
    }

    public InstanceSpec withDevices(Map<String, Map<String, String>> value) {
        return new InstanceSpec(name, image, config, value, profiles, ephemeral, start, server);
    }
}
