package coi.session;

import static org.assertj.core.api.Assertions.fail;

import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** The session ITs' wait for something the background process does: looks every 100 ms, fails with {@code failure} after {@code seconds}. */
final class Await {
    private Await() {}

    static void until(BooleanSupplier done, int seconds, Supplier<String> failure) throws InterruptedException {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (done.getAsBoolean()) return;
            Thread.sleep(100);
        }
        fail(failure.get() + " (waited " + seconds + " s)");
    }
}
