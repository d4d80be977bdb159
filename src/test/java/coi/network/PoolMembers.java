package coi.network;

import static org.assertj.core.api.Assertions.assertThat;

import coi.incus.IncusClient;
import coi.incus.Model;
import coi.incus.Retries;
import coi.testing.Sandbox;
import java.time.Duration;
import java.util.List;

/** The warm pool members of this test run's container prefix, and their removal after a test. */
public final class PoolMembers {
    private PoolMembers() {}

    public static List<Model.Instance> of(IncusClient incus) {
        return incus.instances().stream().filter(i -> i.name().startsWith(Sandbox.PREFIX + "pool-")).toList();
    }

    /**
     * Removes them, also those a background process or a run's helper is still making (their
     * requests went with the test's sandbox, so none is begun after): done once the pool was empty
     * for a few seconds in a row.
     */
    public static void removeUntilQuiet(IncusClient incus) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        long emptySince = System.nanoTime();
        while (System.nanoTime() < deadline) {
            List<Model.Instance> left = of(incus);
            if (!left.isEmpty()) emptySince = System.nanoTime();
            else if (System.nanoTime() - emptySince > Duration.ofSeconds(4).toNanos()) break;
            for (Model.Instance i : left) {
                Retries.delete(incus, i.name());
                RootFence.of().remove(i.name());
            }
            Thread.sleep(250);
        }
        assertThat(of(incus)).as("no pool member outlives its test").isEmpty();
    }
}
