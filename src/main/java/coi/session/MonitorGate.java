package coi.session;

import coi.CoiException;
import coi.monitor.Action;
import coi.monitor.AuditEvent;
import coi.monitor.AuditLog;
import coi.monitor.Level;
import coi.monitor.ObservationException;
import coi.monitor.Threat;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

/**
 * Fail closed: a `--monitor` session goes on only once the supervisor has written "monitoring
 * started" into the container's audit log, i.e. it has found the container's cgroup and read its
 * processes. Anything else (no supervisor, the container not observable) ends the launch with
 * one line that says why.
 */
final class MonitorGate {
    private static final long WAIT_MS = 15_000;

    private MonitorGate() {}

    /** Starts the supervisor if needed and waits until it watches {@code container}. */
    static void require(Sessions.Host host, Path sessionsRoot, String container, Instant since, PrintWriter out) {
        if (host.launcher() == null) {
            throw new CoiException("cannot start the monitor's supervisor (coi was not started through its launcher): "
                    + "run coi through bin/coi, or without --monitor");
        }
        try {
            Files.createDirectories(sessionsRoot);
            if (!Files.exists(Watcher.monitoredMarker(sessionsRoot))) Files.createFile(Watcher.monitoredMarker(sessionsRoot));
        } catch (IOException e) {
            throw new CoiException("cannot write " + Watcher.monitoredMarker(sessionsRoot) + ": " + e.getMessage());
        }
        Watcher.ensureRunning(host, sessionsRoot, out);
        // a waiter holding the lock would start the supervisor only once the launch's events settle
        Watcher.poke(sessionsRoot);
        AuditLog log = AuditLog.under(sessionsRoot);
        long deadline = System.nanoTime() + WAIT_MS * 1_000_000;
        while (System.nanoTime() < deadline) {
            for (AuditEvent e : log.read(container)) {
                if (!e.category().equals(Threat.MONITOR) || e.time().toInstant().isBefore(since)) continue;
                if (e.title().equals("monitoring started")) return;
                if (e.level() == Level.HIGH) throw new ObservationException("the monitor cannot watch " + container + ": " + e.description());
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CoiException("interrupted while waiting for the monitor");
            }
        }
        throw new CoiException("the monitor did not start watching " + container + " within " + WAIT_MS / 1000 + " s: see "
                + sessionsRoot.resolve("watcher.log") + "; start without --monitor to run unwatched");
    }

    /**
     * Fails with one line naming the threat if the monitor stopped {@code container} since {@code since}.
     * The native waiter kills a critical threat's processes at once and leaves the audit line to the
     * supervisor it starts (NativeWatch): while its find waits there, the line is waited for (it comes
     * within a JVM's start), and without it the find itself is named.
     */
    static void requireNotKilled(Path sessionsRoot, String container, Instant since) {
        AuditLog log = AuditLog.under(sessionsRoot);
        long deadline = System.nanoTime() + KILL_RECORD_MS * 1_000_000;
        while (true) {
            log.read(container).stream().filter(e -> e.action() == Action.KILLED && !e.time().toInstant().isBefore(since)).findFirst()
                    .ifPresent(e -> {
                        throw new CoiException("stopped by the monitor: " + e.title() + " (`coi audit " + container + "` has the evidence)");
                    });
            var pending = NativeWatch.killedPending(sessionsRoot, container);
            if (pending.isEmpty()) return;
            if (System.nanoTime() > deadline) {
                throw new CoiException("stopped by the monitor: " + pending.get().title() + " (`coi audit " + container + "` will have the evidence)");
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CoiException("stopped by the monitor: " + pending.get().title());
            }
        }
    }

    /** How long a waiter's kill may wait for its audit line: a supervisor's start on a busy machine. */
    private static final long KILL_RECORD_MS = 10_000;

    /**
     * For `coi run`: prints the monitor's warnings on stderr while the command runs (the supervisor
     * writes them to the audit log; there is no tmux to show them in).
     */
    static Follower followWarnings(Path sessionsRoot, String container, Instant since, OutputStream stderr) {
        AuditLog log = AuditLog.under(sessionsRoot);
        PrintStream err = new PrintStream(stderr, true, java.nio.charset.StandardCharsets.UTF_8);
        Thread follower = Thread.ofVirtual().unstarted(() -> {
            int shown = 0;
            try {
                while (!Thread.currentThread().isInterrupted()) {
                    var events = log.read(container).stream().filter(e -> !e.time().toInstant().isBefore(since)
                            && (e.action() == Action.ALERTED || e.action() == Action.PAUSED)).toList();
                    for (; shown < events.size(); shown++) {
                        err.println(line(container, events.get(shown)));
                        err.flush();
                    }
                    Thread.sleep(250);
                }
            } catch (InterruptedException | RuntimeException done) {
                // the command ended
            }
        });
        follower.start();
        return follower::interrupt;
    }

    /** A warning as it is; a freeze with what the user can do about it, since the command waits until then. */
    static String line(String container, AuditEvent e) {
        String said = "coi: monitor " + e.level().label() + ": " + coi.Printable.line(e.title());
        return e.action() != Action.PAUSED ? said
                : said + "; " + container + " is frozen: `coi resume " + container + "` lets the command go on, `coi kill " + container + "` ends it";
    }

    /** Stops following when the command ends. */
    interface Follower extends AutoCloseable {
        @Override
        void close();
    }
}
