package coi.session;

import coi.CoiException;
import java.io.PrintStream;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * Applies a {@link SessionPlan} as a list of named {@link Step}s. Each step returns its own
 * {@link Undo}; when a later step fails, or the user interrupts (SIGINT/SIGTERM: a JVM shutdown
 * hook), the undos of the steps done so far run in reverse order, so a failed or interrupted
 * launch leaves no container, rule, view or session folder behind.
 *
 * <p>The list is open: the warm pool, the monitor and hardening plug in by name with
 * {@link #insertBefore}, {@link #insertAfter}, {@link #replace(String, Step)} or
 * {@link #replace(String, String, Step)} (e.g. the pool replaces {@code create} .. {@code network}
 * by one "claim a pool member" step). A step that lost a race (another coi took the slot or the
 * address) throws {@link Retry} with a new plan: the launcher undoes back to the named step and
 * goes on from there, at most {@link #MAX_RETRIES} times.
 */
public final class Launcher {
    /** Plenty for every slot of a workspace plus a few address races. */
    static final int MAX_RETRIES = ContainerName.MAX_SLOT + 5;

    /** One named step of a launch. */
    public interface Step {
        String name();

        /** Does the step on {@code launch.plan()}; returns how to take it back ({@link Undo#NOTHING} if nothing). */
        Undo apply(Launch launch);
    }

    /** Takes one step back. */
    @FunctionalInterface
    public interface Undo {
        Undo NOTHING = () -> { };

        void undo();
    }

    /** A step from a name and a function. */
    public static Step step(String name, Function<Launch, Undo> apply) {
        return new Step() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Undo apply(Launch launch) {
                return apply.apply(launch);
            }

            @Override
            public String toString() {
                return name;
            }
        };
    }

    /** Thrown by a step that lost a race: undo back to step {@code from} (inclusive) and go on from there with {@code plan}. */
    public static final class Retry extends RuntimeException {
        private final String from;
        private final transient SessionPlan plan;

        public Retry(String from, SessionPlan plan, RuntimeException cause) {
            super("retrying from " + from + ": " + cause.getMessage(), cause, false, false);
            this.from = from;
            this.plan = plan;
        }
    }

    /** The user interrupted the launch; everything done so far was undone. */
    public static final class Interrupted extends CoiException {
        Interrupted() {
            super("interrupted: the launch was undone");
        }
    }

    /** The state the steps share: the plan (a retry replaces it) and when the launch began. */
    public static final class Launch {
        private volatile SessionPlan plan;
        private final Instant started = Instant.now();

        Launch(SessionPlan plan) {
            this.plan = plan;
        }

        public SessionPlan plan() {
            return plan;
        }

        /** The launch goes on in another container, e.g. a claimed pool member: later steps and the caller see this plan. */
        void use(SessionPlan next) {
            plan = next;
        }

        /** When the launch began: the monitor's start is looked for after it. */
        public Instant started() {
            return started;
        }
    }

    private final List<Step> steps;
    private final PrintStream err;

    public Launcher(List<Step> steps) {
        this(steps, System.err);
    }

    Launcher(List<Step> steps, PrintStream err) {
        this.steps = List.copyOf(steps);
        this.err = err;
        long distinct = steps.stream().map(Step::name).distinct().count();
        if (distinct != steps.size()) throw new IllegalArgumentException("step names must be unique: " + names());
    }

    public List<String> names() {
        return steps.stream().map(Step::name).toList();
    }

    public Launcher insertBefore(String name, Step step) {
        List<Step> next = new ArrayList<>(steps);
        next.add(index(name), step);
        return new Launcher(next, err);
    }

    public Launcher insertAfter(String name, Step step) {
        List<Step> next = new ArrayList<>(steps);
        next.add(index(name) + 1, step);
        return new Launcher(next, err);
    }

    public Launcher replace(String name, Step step) {
        return replace(name, name, step);
    }

    /** Replaces the steps from {@code first} to {@code last} (both included) by {@code step}. */
    public Launcher replace(String first, String last, Step step) {
        int from = index(first), to = index(last);
        if (to < from) throw new IllegalArgumentException(last + " comes before " + first + " in " + names());
        List<Step> next = new ArrayList<>(steps.subList(0, from));
        next.add(step);
        next.addAll(steps.subList(to + 1, steps.size()));
        return new Launcher(next, err);
    }

    /** Every step wrapped, e.g. to time or log each one. */
    public Launcher around(UnaryOperator<Step> wrapper) {
        return new Launcher(steps.stream().map(wrapper).toList(), err);
    }

    public Launcher without(String name) {
        List<Step> next = new ArrayList<>(steps);
        next.remove(index(name));
        return new Launcher(next, err);
    }

    private int index(String name) {
        for (int i = 0; i < steps.size(); i++) {
            if (steps.get(i).name().equals(name)) return i;
        }
        throw new IllegalArgumentException("no step " + name + " in " + names());
    }

    /**
     * Runs every step on {@code plan}. On failure everything done is undone and the failure
     * rethrown. On success the returned {@link Launched} still holds the undos (and the
     * interrupt hook): {@link Launched#keep()} keeps what was made, {@link Launched#close()}
     * without it takes everything back (how an ephemeral `coi run` container goes away).
     */
    public Launched launch(SessionPlan plan) {
        Launched launched = prepare(plan);
        launched.run();
        return launched;
    }

    /** A launch not yet run: tests interrupt it from another thread, as the shutdown hook does. */
    Launched prepare(SessionPlan plan) {
        return new Launched(new Launch(plan));
    }

    /** A launch in progress or done: its undos, run in reverse by a failure, an interrupt or {@link #close()}. */
    public final class Launched implements AutoCloseable {
        private static final long STEP_WAIT_MS = 10_000;
        private final Launch launch;
        private final Deque<Done> done = new ArrayDeque<>();
        private final Thread hook = new Thread(this::interrupt, "coi-launch-undo");
        private boolean kept, aborted, stepRunning;

        private record Done(String step, Undo undo) {}

        private Launched(Launch launch) {
            this.launch = launch;
        }

        public SessionPlan plan() {
            return launch.plan();
        }

        /** The names of the steps done (and not undone), in order. */
        public synchronized List<String> done() {
            List<String> names = new ArrayList<>();
            done.descendingIterator().forEachRemaining(d -> names.add(d.step()));
            return names;
        }

        void run() {
            Runtime.getRuntime().addShutdownHook(hook);
            try {
                int retries = 0;
                for (int i = 0; i < steps.size(); ) {
                    Step step = steps.get(i);
                    try {
                        runStep(step);
                        i++;
                    } catch (Retry retry) {
                        if (++retries > MAX_RETRIES) throw (RuntimeException) retry.getCause();
                        int from = Optional.of(retry.from).filter(names()::contains).map(Launcher.this::index).orElse(i);
                        undoDownTo(from);
                        launch.plan = retry.plan;
                        i = from;
                    }
                }
            } catch (RuntimeException | Error e) {
                undoAll(e);
                removeHook();
                throw e;
            }
        }

        private void runStep(Step step) {
            synchronized (this) {
                if (aborted) throw new Interrupted();
                stepRunning = true;
            }
            Undo undo = null;
            boolean completed = false;
            try {
                undo = step.apply(launch);
                completed = true;
            } finally {
                synchronized (this) {
                    stepRunning = false;
                    // one entry per completed step: a retry undoes down to a step by its index
                    if (completed) done.push(new Done(step.name(), undo == null ? Undo.NOTHING : undo));
                    notifyAll();
                }
            }
            synchronized (this) {
                if (aborted) throw new Interrupted();
            }
        }

        synchronized boolean interrupted() {
            return aborted;
        }

        /** Undoes the steps at index {@code from} and after, for a retry. */
        private synchronized void undoDownTo(int from) {
            while (done.size() > from) undoOne(done.pop(), null);
        }

        /** The shutdown hook: waits a moment for a running step to return (so it is undone too), then undoes all. */
        synchronized void interrupt() {
            if (kept) return;
            aborted = true;
            long deadline = System.nanoTime() + STEP_WAIT_MS * 1_000_000;
            while (stepRunning && System.nanoTime() < deadline) {
                try {
                    wait(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            undoAll(null);
        }

        private synchronized void undoAll(Throwable cause) {
            while (!done.isEmpty()) undoOne(done.pop(), cause);
        }

        private void undoOne(Done d, Throwable cause) {
            try {
                d.undo().undo();
            } catch (RuntimeException e) {
                err.println("coi: could not undo " + d.step() + " (" + e.getMessage() + "): `coi clean` removes what is left");
                if (cause != null) cause.addSuppressed(e);
            }
        }

        /** Keeps everything the launch made: nothing is undone from now on, not even by an interrupt. */
        public synchronized void keep() {
            if (aborted) throw new Interrupted();
            kept = true;
            done.clear();
            removeHook();
        }

        /** Undoes the launch unless {@link #keep()} was called. */
        @Override
        public void close() {
            synchronized (this) {
                if (!kept) undoAll(null);
                kept = true;
            }
            removeHook();
        }

        private void removeHook() {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException | IllegalArgumentException shuttingDownOrGone) {
                // the hook is running (it undoes) or was removed already
            }
        }
    }
}
