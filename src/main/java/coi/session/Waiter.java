package coi.session;

import coi.incus.Model;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The supervisor's native stand-in while it only waits and watches (src/main/c/coi-waiter.c, built beside
 * coi.jar; bin/coi names it in {@code coi.waiter}). A JVM cannot stay resident under 30 MiB however
 * little it does (bench/background: one that only sleeps, with the supervisor's flags, is 27 MiB);
 * the waiter is under 2. So when the supervisor has nothing to do but wait for Incus' lifecycle
 * events and watch its monitored containers ({@link #idle}; the waiter watches them as the
 * supervisor's monitor does, see {@link NativeWatch}, and starts the supervisor with what it finds),
 * it starts the waiter, which subscribes to the events and says so; the
 * supervisor looks once more (anything that started before the subscription), then releases its
 * lock, tells the waiter to go on ({@link #go}) and exits. The waiter takes the lock and the
 * heartbeat, and execs `coi __watch` (same pid) once events naming a coi container have settled (2 s
 * without one, at the latest 6 s after the first: not while a launch's own events come, when a JVM's
 * start would compete with it for the CPU), at a duration limit, pool request, end of the events
 * stream (a daemon restart), or at once when a coi command asks ({@link Watcher#poke}: a `--monitor`
 * launch, which waits until it is watched); the new supervisor reconnects,
 * sweeps and checks everything, as at any start. Without the binary, or when it cannot subscribe,
 * the supervisor stays, as it did before there was a waiter.
 */
final class Waiter {
    /**
     * How long nothing must have happened before the supervisor hands over: sessions come in bursts
     * (a shell, then another), and each wake-up costs a JVM start.
     */
    static final Duration QUIET = Duration.ofSeconds(10);
    /** After a waiter that could not subscribe: the daemon may be busy or restarting. */
    static final Duration RETRY = Duration.ofMinutes(5);

    private final Process process;

    private Waiter(Process process) {
        this.process = process;
    }

    /** The supervisor has nothing to do but wait for events and, if any, the earliest duration limit. */
    record Wait(Optional<Instant> deadline) {}

    /**
     * Whether the user's containers {@code running} (running or frozen) leave the supervisor nothing
     * to do but wait (and, with {@code watchesMonitored}, watch its monitored containers as the waiter
     * does, see {@link NativeWatch}): none is monitored unless the waiter watches them (a label coi
     * cannot read keeps the supervisor up), none has an allowlist (refreshed every few seconds), none
     * is past its duration limit; and one runs at least (with none the supervisor exits instead).
     */
    static Optional<Wait> idle(List<Model.Instance> running, Instant now, boolean watchesMonitored) {
        if (running.isEmpty()) return Optional.empty();
        Optional<Instant> earliest = Optional.empty();
        for (Model.Instance i : running) {
            String monitor = i.configValue(Labels.MONITOR);
            if (monitor != null && !monitor.isBlank() && (!watchesMonitored || MonitorLabel.decode(monitor).isEmpty())) return Optional.empty();
            if ("allowlist".equals(i.configValue(Labels.NETWORK))) return Optional.empty();
            Optional<Instant> deadline = Watcher.deadline(i);
            if (deadline.isEmpty()) continue;
            if (!deadline.get().isAfter(now)) return Optional.empty();
            if (earliest.isEmpty() || deadline.get().isBefore(earliest.get())) earliest = deadline;
        }
        return Optional.of(new Wait(earliest));
    }

    /** The waiter and the launcher it starts the supervisor again with, if bin/coi named them and the waiter is there. */
    static Optional<Binary> installed() {
        String waiter = System.getProperty("coi.waiter"), launcher = System.getProperty("coi.launcher");
        if (waiter == null || launcher == null || !Files.isExecutable(Path.of(waiter))) return Optional.empty();
        return Optional.of(new Binary(Path.of(waiter), Path.of(launcher)));
    }

    /** The events the waiter subscribes to: lifecycle, in the supervisor's project. */
    static String eventsPath(String project) {
        String path = "/1.0/events?type=lifecycle";
        return "default".equals(project) ? path : path + "&project=" + URLEncoder.encode(project, StandardCharsets.UTF_8);
    }

    record Binary(Path waiter, Path launcher) {
        /**
         * Starts the waiter on the daemon's unix socket and returns once it is subscribed (it gives up
         * within seconds by itself); empty when it failed, having said why in the log (its stderr is the supervisor's).
         */
        Optional<Waiter> start(Path socket, String project, String prefix, Path sessionsRoot, Wait wait, Optional<Path> targets) {
            Path pool = PoolKeeper.dir(sessionsRoot);
            // a second past the limit: the supervisor it starts then finds the container overdue
            String deadline = wait.deadline().map(d -> Long.toString(d.getEpochSecond() + 1)).orElse("0");
            Process process;
            try {
                Files.createDirectories(pool);
                List<String> command = new java.util.ArrayList<>(List.of(waiter.toString(), socket.toString(), eventsPath(project), prefix,
                        sessionsRoot.toString(), deadline, pool.toString(), launcher.toString()));
                targets.ifPresent(t -> command.add(t.toString()));
                process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            } catch (IOException e) {
                Supervisor.log("cannot start the waiter " + waiter + ": " + e.getMessage());
                return Optional.empty();
            }
            try (InputStream said = process.getInputStream()) {
                if (new String(said.readNBytes(11), StandardCharsets.US_ASCII).equals("subscribed\n")) return Optional.of(new Waiter(process));
            } catch (IOException e) {
                Supervisor.log("no word from the waiter: " + e.getMessage());
            }
            process.destroy();
            return Optional.empty();
        }
    }

    long pid() {
        return process.pid();
    }

    /** Something changed while the waiter subscribed: the supervisor stays. */
    void cancel() {
        process.destroy();
    }

    /** Called once the supervisor's lock is released: the waiter takes it and waits. */
    void go() {
        try (OutputStream word = process.getOutputStream()) {
            word.write('g');
        } catch (IOException e) {
            // the waiter is gone: the next coi command that needs a supervisor starts one
            Supervisor.log("the waiter did not take over: " + e.getMessage());
        }
    }
}
