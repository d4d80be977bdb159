package coi.testing;

import coi.incus.IncusClient;
import coi.incus.IncusException;
import java.nio.file.Path;
import java.util.UUID;

/**
 * The real daemon for integration tests. There is no skipping: a missing daemon fails the test
 * with a message saying how to bring one up.
 */
public final class TestIncus {
    /** Every container, image and pool a test creates starts with this, so leftovers are recognisable. */
    public static final String PREFIX = "coitest-";

    private TestIncus() {}

    public static IncusClient client() {
        IncusClient client = IncusClient.local(Path.of(System.getenv().getOrDefault("COI_INCUS_SOCKET", "/var/lib/incus/unix.socket")));
        try {
            client.server();
        } catch (IncusException e) {
            throw new AssertionError("integration tests need a running Incus daemon (run `bin/coi setup`): " + e.getMessage(), e);
        }
        return client;
    }

    /** Debian 12 with systemd, tmux, sudo and user code: made by scripts/test-image. */
    public static String baseImage() {
        String alias = System.getenv().getOrDefault("COI_TEST_BASE", "coi-test-base");
        if (!client().aliasExists(alias)) throw new AssertionError("test image " + alias + " missing: run `scripts/test-image`");
        return alias;
    }

    public static String name(String what) {
        return PREFIX + what + "-" + UUID.randomUUID().toString().substring(0, 6);
    }
}
