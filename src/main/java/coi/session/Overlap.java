package coi.session;

import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * Two steps of a launch that do not depend on each other, run at the same time: the critical
 * path then pays for the longer one only. Both have finished when it returns, also when one
 * fails, so an undo never races a step still running; the main step's failure wins, the side
 * step's is attached to it (or thrown when the main step succeeded).
 */
final class Overlap {
    private Overlap() {}

    static <T> T run(Runnable side, Supplier<T> main) {
        AtomicReference<RuntimeException> sideFailure = new AtomicReference<>();
        Thread thread = Thread.ofPlatform().daemon().name("coi-overlap").start(() -> {
            try {
                side.run();
            } catch (RuntimeException e) {
                sideFailure.set(e);
            }
        });
        T result;
        try {
            result = main.get();
        } catch (RuntimeException | Error e) {
            join(thread);
            if (sideFailure.get() != null) e.addSuppressed(sideFailure.get());
            throw e;
        }
        join(thread);
        if (sideFailure.get() != null) throw sideFailure.get();
        return result;
    }

    static void run(Runnable side, Runnable main) {
        run(side, () -> {
            main.run();
            return null;
        });
    }

    private static void join(Thread thread) {
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                // the side step must end before the caller's undo runs: wait on, pass the interrupt on after
                interrupted = true;
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }
}
