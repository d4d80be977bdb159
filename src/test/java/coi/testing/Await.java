package coi.testing;

import static org.assertj.core.api.Assertions.fail;

import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** The ITs' wait for something coi or its background process does: looks every 50 ms, fails with {@code failure} after {@code seconds}. */
public final class Await {
    private Await() {}

    public static void until(BooleanSupplier done, int seconds, Supplier<String> failure) throws InterruptedException {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (done.getAsBoolean()) return;
            Thread.sleep(50);
        }
        fail(failure.get() + " (waited " + seconds + " s)");
    }
}
