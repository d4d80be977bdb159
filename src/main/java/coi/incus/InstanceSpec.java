package coi.incus;

import java.util.List;
import java.util.Map;

/** What to create: a container from a local image alias or fingerprint. */
public record InstanceSpec(String name, String image, Map<String, String> config,
                           Map<String, Map<String, String>> devices, List<String> profiles,
                           boolean ephemeral, boolean start) {
    public InstanceSpec {
        config = Map.copyOf(config);
        devices = Map.copyOf(devices);
        profiles = profiles == null ? null : List.copyOf(profiles);
    }

    public static InstanceSpec of(String name, String image) {
        return new InstanceSpec(name, image, Map.of(), Map.of(), null, false, false);
    }

    public InstanceSpec withEphemeral(boolean value) {
        return new InstanceSpec(name, image, config, devices, profiles, value, start);
    }

    public InstanceSpec withStart(boolean value) {
        return new InstanceSpec(name, image, config, devices, profiles, ephemeral, value);
    }

    public InstanceSpec withConfig(Map<String, String> value) {
        return new InstanceSpec(name, image, value, devices, profiles, ephemeral, start);
    }

    public InstanceSpec withDevices(Map<String, Map<String, String>> value) {
        return new InstanceSpec(name, image, config, value, profiles, ephemeral, start);
    }
}
