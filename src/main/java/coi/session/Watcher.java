package coi.session;

import coi.Detached;
import coi.incus.IncusClient;
import coi.incus.Model;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Starting and finding the per-user background process (the {@link Supervisor}): one per
 * sessions directory, guarded by a file lock; started on demand by `coi shell`/`coi run`, and
 * again by any coi command that finds monitored sessions without it.
 */
public final class Watcher {
    private Watcher() {}

    static Path lockFile(Path sessionsRoot) {
        return sessionsRoot.resolve("watcher.lock");
    }

    /** Starts `coi __watch` in its own session unless one already holds the lock. */
    static void ensureRunning(Sessions.Host host, Path sessionsRoot, PrintWriter out) {
        if (host.launcher() == null || isRunning(sessionsRoot)) return;
        try {
            start(host.launcher(), sessionsRoot);
        } catch (IllegalStateException e) {
            out.println("coi: warning: could not start the session watcher (" + e.getMessage()
                    + "): sessions ended while detached are finalized by the next `coi list`");
        }
    }

    private static void start(Path launcher, Path sessionsRoot) {
        try {
            Files.createDirectories(sessionsRoot);
            File log = sessionsRoot.resolve("watcher.log").toFile();
            // its JVM flags (a small heap, stacks and code cache) are the launcher's for `__watch`
            Detached.start(List.of(launcher.toString(), "__watch"), null, Map.of(), ProcessBuilder.Redirect.appendTo(log));
        } catch (IOException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /**
     * Tells a waiting {@code coi-waiter} to start the supervisor now rather than once the launch's
     * events have settled (a `--monitor` session waits until it is watched). A connection to its
     * socket is the whole message; none there (no waiter, or the supervisor itself, which does not
     * listen) is nothing to do.
     */
    static void poke(Path sessionsRoot) {
        Path socket = sessionsRoot.resolve("waiter.sock");
        if (!Files.exists(socket, java.nio.file.LinkOption.NOFOLLOW_LINKS)) return;
        try (java.nio.channels.SocketChannel ignored = java.nio.channels.SocketChannel.open(java.net.UnixDomainSocketAddress.of(socket))) {
            // connected: the waiter wakes
        } catch (IOException | RuntimeException none) {
            // refused or gone: no waiter listens, the supervisor (if any) needs no word
        }
    }

    static boolean isRunning(Path sessionsRoot) {
        Path lock = lockFile(sessionsRoot);
        if (!Files.exists(lock)) return false;
        try (FileChannel ch = FileChannel.open(lock, StandardOpenOption.WRITE)) {
            FileLock l = ch.tryLock();
            if (l == null) return true;
            l.release();
            return false;
        } catch (IOException e) {
            return false;
        }
    }

    /** `coi __watch`: takes the lock (or leaves if another holds it) and runs the {@link Supervisor} (and, once a pool is requested, its keeper) until idle. */
    public static int watch(IncusClient incus, SessionStore store, String prefix, Fencing fencing, Supplier<PoolKeeper> pool)
            throws InterruptedException {
        try {
            Files.createDirectories(store.root());
        } catch (IOException e) {
            return 1;
        }
        Supervisor supervisor;
        int code;
        try (FileChannel ch = FileChannel.open(lockFile(store.root()), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock lock = ch.tryLock()) {
            if (lock == null) return 0;
            supervisor = new Supervisor(incus, store, prefix, incus.project(), fencing, pool);
            code = supervisor.run();
        } catch (IOException e) {
            Supervisor.log("cannot lock " + lockFile(store.root()) + ": " + e.getMessage());
            return 1;
        }
        supervisor.release();
        return code;
    }

    /** Present while monitored sessions may exist: a coi command finding it without a supervisor starts one. */
    static Path monitoredMarker(Path sessionsRoot) {
        return sessionsRoot.resolve("monitored");
    }

    /**
     * Called by coi commands: a supervisor that was killed (SIGKILL, OOM) while monitored sessions
     * run is started again; it picks them up and writes the gap into their audit logs.
     */
    public static void revive(Path launcher, Path sessionsRoot) {
        if (launcher == null || !Files.exists(monitoredMarker(sessionsRoot)) || isRunning(sessionsRoot)) return;
        try {
            start(launcher, sessionsRoot);
        } catch (IllegalStateException e) {
            System.err.println("coi: warning: could not restart the monitor's supervisor: " + e.getMessage());
        }
    }

    /** A coi session container of this watcher's user (its sessions live in this store). */
    static boolean mine(Model.Instance i, SessionStore store) {
        return i.configValue(Labels.WORKSPACE) != null && store.root().toString().equals(i.configValue(Labels.SESSIONS_ROOT));
    }

    /** Past its `--limit-duration`, counted from when Incus created it. */
    static boolean overdue(Model.Instance i) {
        return deadline(i).filter(d -> d.isBefore(Instant.now())).isPresent();
    }

    /** When its `--limit-duration` is up, if it has one. */
    static Optional<Instant> deadline(Model.Instance i) {
        String limit = i.configValue(Labels.LIMIT_DURATION);
        if (limit == null || i.createdAt() == null) return Optional.empty();
        try {
            return Optional.of(OffsetDateTime.parse(i.createdAt()).plus(Duration.parse(limit)).toInstant());
        } catch (RuntimeException unparsable) {
            return Optional.empty();
        }
    }
}
