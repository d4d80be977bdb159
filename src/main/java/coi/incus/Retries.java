package coi.incus;

import java.time.Duration;

/**
 * The tries coi makes again, chosen by the caller: the client itself makes every request once.
 */
public final class Retries {
    private static final int BUSY_ATTEMPTS = 60;
    private static final Duration BUSY_PAUSE = Duration.ofMillis(250);
    private static final Duration GONE_WAIT = Duration.ofSeconds(10);

    private Retries() {}

    /**
     * Removes an instance whatever it is doing, as `incus delete -f` would if it waited. One still
     * being created or started refuses for a moment ({@link IncusException.Busy}): the delete,
     * which stops it if it runs by then, is tried again for up to 15 s. One that someone else is removing meanwhile
     * (Incus removing a stopped ephemeral instance, coi's watcher) fails the delete otherwise:
     * gone within 10 s is the outcome asked for.
     */
    public static void delete(Instances incus, String name) {
        try {
            whileBusy(BUSY_ATTEMPTS, BUSY_PAUSE, () -> incus.delete(name, true));
        } catch (IncusException.Busy e) {
            if (incus.instanceExists(name)) throw e;
        } catch (IncusException e) {
            if (!awaitGone(incus, name, GONE_WAIT)) throw e;
        }
    }

    /**
     * Runs {@code action} up to {@code attempts} times while it fails with {@link IncusException.Busy},
     * pausing before each new try; the last failure is thrown.
     */
    static void whileBusy(int attempts, Duration pause, Runnable action) {
        for (int attempt = 1; ; attempt++) {
            try {
                action.run();
                return;
            } catch (IncusException.Busy e) {
                if (attempt >= attempts) throw e;
                sleep(pause);
            }
        }
    }

    private static boolean awaitGone(Instances incus, String name, Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        while (incus.instanceExists(name)) {
            if (System.nanoTime() > deadline) return false;
            sleep(Duration.ofMillis(200));
        }
        return true;
    }

    private static void sleep(Duration pause) {
        try {
            Thread.sleep(pause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IncusException("interrupted", e);
        }
    }
}
