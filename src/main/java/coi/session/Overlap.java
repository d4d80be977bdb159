package coi.session;

import coi.session.Launcher.Step;
import coi.session.Launcher.Undo;
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

    /**
     * One launch step made of two independent ones run at the same time, named {@code name} (so a
     * {@link Launcher.Retry} aimed at it redoes both). Undone in reverse: main's undo, then side's;
     * when one fails, the other's work is undone before the failure goes on.
     */
    static Step steps(String name, Step side, Step main) {
        return Launcher.step(name, launch -> {
            AtomicReference<Undo> sideUndo = new AtomicReference<>(Undo.NOTHING);
            AtomicReference<Undo> mainUndo = new AtomicReference<>(Undo.NOTHING);
            try {
                run(() -> sideUndo.set(side.apply(launch)), () -> mainUndo.set(main.apply(launch)));
            } catch (RuntimeException | Error e) {
                // whichever finished is taken back here: the launcher undoes only completed steps
                undoBoth(mainUndo.get(), sideUndo.get());
                throw e;
            }
            return () -> undoBoth(mainUndo.get(), sideUndo.get());
        });
    }

    private static void undoBoth(Undo first, Undo second) {
        try {
            if (first != null) first.undo();
        } finally {
            if (second != null) second.undo();
        }
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
