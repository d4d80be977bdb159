package coi.setup;

import java.util.Optional;

/**
 * What setup creates: the bridge (name and IPv4 address), the storage pool (name and loop file
 * size), the group whose members may use Incus ({@code [incus] group}), and the user to add to it (the
 * one who ran sudo), whose ids root must also hold to map them onto code (sudo's SUDO_UID and SUDO_GID).
 */
public record SetupOptions(String bridge, String bridgeAddress, String pool, String poolSize, String group,
                           Optional<String> user, Optional<SubordinateIds.Ids> ids) {
    public static final String BRIDGE = "incusbr0", BRIDGE_ADDRESS = "10.147.83.1/24", POOL = "default",
            POOL_SIZE = "40GiB";

    /** What `coi setup` without options makes, as `coi health --fix` repairs it. */
    public static SetupOptions defaults(String group, Optional<String> user, Optional<SubordinateIds.Ids> ids) {
        return new SetupOptions(BRIDGE, BRIDGE_ADDRESS, POOL, POOL_SIZE, group, user, ids);
    }
}
