package coi.session;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * `pid@boot-id` of the coi process that owns a `coi run` container: when that process is gone
 * (killed, crashed, the host rebooted) the container is a leftover for `coi clean`.
 */
public final class Owner {
    private Owner() {}

    public static String current() {
        return ProcessHandle.current().pid() + "@" + bootId();
    }

    public static boolean alive(String owner) {
        if (owner == null || !owner.contains("@")) return false;
        String[] parts = owner.split("@", 2);
        if (!parts[1].equals(bootId())) return false;
        try {
            return ProcessHandle.of(Long.parseLong(parts[0])).map(ProcessHandle::isAlive).orElse(false);
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static String bootId() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/random/boot_id")).trim();
        } catch (IOException e) {
            return "unknown";
        }
    }
}
