package coi.incus;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/** Typed views of the Incus API objects coi reads. Unknown fields are ignored. */
public final class Model {
    private Model() {}

    public record Server(String apiVersion, String auth, Environment environment, Map<String, Object> config) {
        public record Environment(String serverVersion, String kernelVersion, String storage, String storageVersion,
                                  Map<String, String> kernelFeatures, String serverName, List<String> addresses) {}

        public String version() {
            return environment == null ? "unknown" : environment.serverVersion();
        }

        public boolean idmappedMounts() {
            return environment != null && environment.kernelFeatures() != null
                    && "true".equals(environment.kernelFeatures().get("idmapped_mounts"));
        }
    }

    /** {@code lastUsedAt}: when it last started (Incus's last_used_at; 1970 when never). */
    public record Instance(String name, String status, String type, boolean ephemeral, String createdAt, String lastUsedAt,
                           Map<String, String> config, Map<String, String> expandedConfig,
                           Map<String, Map<String, String>> devices,
                           Map<String, Map<String, String>> expandedDevices,
                           List<String> profiles, InstanceState state) {
        public boolean running() {
            return running(status);
        }

        /**
         * Stopped: not running and not about to run on. Not running is not down: a "Frozen"
         * reading is a paused container, and "Error" (or "Frozen") is what Incus says of a stopping
         * one whose monitor did not answer within 5 s; it reads "Running" again a moment later (seen
         * in CI after a `poweroff` inside).
         */
        public boolean down() {
            return "Stopped".equals(status);
        }

        public static boolean running(String status) {
            return "Running".equals(status);
        }

        public String configValue(String key) {
            return config == null ? null : config.get(key);
        }

        public Instance withState(InstanceState newState) {
            return new Instance(name, status, type, ephemeral, createdAt, lastUsedAt, config, expandedConfig, devices, expandedDevices, profiles, newState);
        }
    }

    public record InstanceState(String status, long pid, Map<String, NetworkState> network) {
        public record NetworkState(List<Address> addresses, String hostName, String hwaddr, String state) {}

        public record Address(String family, String address, String netmask, String scope) {}

        /**
         * eth0's global IPv4 address (the container's address on the bridge), or null; only a
         * container without an eth0 falls back to another interface but lo. A bridge made inside
         * the container (Docker's 172.17.0.1) is never taken for the container's address.
         */
        public String ipv4() {
            if (network == null) return null;
            if (network.containsKey("eth0")) return globalIpv4(network.get("eth0"));
            for (var e : network.entrySet()) {
                String address = e.getKey().equals("lo") ? null : globalIpv4(e.getValue());
                if (address != null) return address;
            }
            return null;
        }

        private static String globalIpv4(NetworkState nic) {
            if (nic == null || nic.addresses() == null) return null;
            return nic.addresses().stream().filter(a -> "inet".equals(a.family()) && "global".equals(a.scope()))
                    .map(Address::address).findFirst().orElse(null);
        }
    }

    public record Image(String fingerprint, List<Alias> aliases, Map<String, String> properties, long size,
                        String createdAt, String uploadedAt, String architecture, String type,
                        @JsonProperty("public") boolean isPublic) {
        public record Alias(String name, String description) {}

        public String description() {
            return properties == null ? "" : properties.getOrDefault("description", "");
        }
    }

    public record ImageAlias(String name, String target, String description, String type) {}

    public record StoragePool(String name, String driver, String status, Map<String, String> config, List<String> usedBy) {}

    public record Network(String name, String type, boolean managed, String status, Map<String, String> config) {}

    public record Profile(String name, String description, Map<String, String> config,
                          Map<String, Map<String, String>> devices) {}

    public record Snapshot(String name, String createdAt, boolean stateful) {}

    /** Metadata of a file or directory inside an instance. */
    public record FileInfo(String type, int mode, int uid, int gid) {
        public boolean directory() {
            return "directory".equals(type);
        }
    }

    /** Result of a captured exec. */
    public record ExecResult(int exitCode, byte[] stdout, byte[] stderr) {
        public String out() {
            return new String(stdout, StandardCharsets.UTF_8);
        }

        public String err() {
            return new String(stderr, StandardCharsets.UTF_8);
        }
    }
}
