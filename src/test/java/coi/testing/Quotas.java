package coi.testing;

import coi.health.QuotaGroups;
import java.nio.file.Path;

/**
 * The test machine's btrfs pool, its quota groups made consistent first where a test asserts a ready machine: the
 * Debian 12 kernel marks them inconsistent after some container deletions ("qgroup marked inconsistent" in dmesg), at
 * any moment of a run, which `coi setup` at the start of `.ci/run` cannot foresee.
 */
public final class Quotas {
    private Quotas() {}

    /** Rescans pool {@code default}'s quota groups when they are inconsistent (or being rescanned), and waits. */
    public static void consistent() {
        QuotaGroups groups = QuotaGroups.local();
        Path mount = QuotaGroups.mountOf("default");
        QuotaGroups.State state = groups.read(mount);
        if (state.needsRescan()) {
            groups.rescan(mount).ifPresent(failed -> {
                throw new AssertionError("the test machine's quota groups are inconsistent and could not be rescanned: " + failed);
            });
        }
    }
}
