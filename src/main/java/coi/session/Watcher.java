package coi.session;

import coi.incus.EventStream;
import coi.incus.IncusClient;
import coi.incus.IncusException;
import coi.incus.Model;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Set;

/**
 * The per-user background watcher that ends sessions when no coi is attached: it follows the
 * Incus lifecycle events and finalizes any coi container that stops or disappears (poweroff
 * inside after a detach, a kill from elsewhere). One per sessions directory, guarded by a file
 * lock; started on demand by `coi shell`, and it exits by itself once no coi container runs.
 */
public final class Watcher {
    private static final Set<String> ENDINGS = Set.of("instance-stopped", "instance-shutdown", "instance-deleted");
    private static final long CHECK_MS = 5_000;
    /** Checks in a row with no coi container running before the watcher exits (30 s). */
    private static final int IDLE_CHECKS = 6;

    private Watcher() {}

    static Path lockFile(Path sessionsRoot) {
        return sessionsRoot.resolve("watcher.lock");
    }

    /** Starts `coi __watch` in its own session unless one already holds the lock. */
    static void ensureRunning(Sessions.Host host, Path sessionsRoot, PrintWriter out) {
        if (host.launcher() == null || isRunning(sessionsRoot)) return;
        try {
            Files.createDirectories(sessionsRoot);
            File log = sessionsRoot.resolve("watcher.log").toFile();
            new ProcessBuilder("setsid", host.launcher().toString(), "__watch")
                    .redirectInput(new File("/dev/null"))
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log))
                    .redirectErrorStream(true)
                    .start();
        } catch (IOException e) {
            out.println("coi: warning: could not start the session watcher (" + e.getMessage()
                    + "): sessions ended while detached are finalized by the next `coi list`");
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

    /** The watcher's main loop (`coi __watch`); returns when idle or when the daemon goes away. */
    public static int watch(IncusClient incus, SessionStore store, String prefix, Fencing fencing) throws InterruptedException {
        try {
            Files.createDirectories(store.root());
        } catch (IOException e) {
            return 1;
        }
        try (FileChannel ch = FileChannel.open(lockFile(store.root()), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock lock = ch.tryLock()) {
            if (lock == null) return 0;
            Finalizer finalizer = new Finalizer(incus, store);
            Fencing.AllowlistKeeper allowlists = null;
            log("watching (pid " + ProcessHandle.current().pid() + ")");
            int idleChecks = 0;
            while (idleChecks < IDLE_CHECKS) {
                try (EventStream events = incus.events("lifecycle", e -> onEvent(e, incus, store, finalizer, fencing, prefix))) {
                    finalizer.sweep();
                    while (!events.ended()) {
                        Thread.sleep(CHECK_MS);
                        List<Model.Instance> running = incus.instances().stream()
                                .filter(i -> i.name().startsWith(prefix) && mine(i, store) && i.running())
                                .toList();
                        running.stream().filter(Watcher::overdue).forEach(i -> stopOverdue(incus, i));
                        if (running.stream().anyMatch(i -> "allowlist".equals(i.configValue(Labels.NETWORK)))) {
                            if (allowlists == null) allowlists = fencing.new AllowlistKeeper(fencing.bridge());
                            refresh(allowlists, running);
                        }
                        idleChecks = running.isEmpty() ? idleChecks + 1 : 0;
                        if (idleChecks >= IDLE_CHECKS) break;
                    }
                } catch (IncusException e) {
                    log("daemon unavailable: " + e.getMessage());
                    return 1;
                }
            }
            finalizer.sweep();
            log("no coi container running: exiting");
            return 0;
        } catch (IOException e) {
            log("cannot lock " + lockFile(store.root()) + ": " + e.getMessage());
            return 1;
        }
    }

    private static void refresh(Fencing.AllowlistKeeper allowlists, List<Model.Instance> running) {
        try {
            for (String name : allowlists.tick(running, java.time.Instant.now())) log("allowlist of " + name + " changed: rules updated");
        } catch (RuntimeException e) {
            log("allowlist refresh failed, previous rules kept: " + e.getMessage());
        }
    }

    /** A coi session container of this watcher's user (its sessions live in this store). */
    static boolean mine(Model.Instance i, SessionStore store) {
        return i.configValue(Labels.WORKSPACE) != null && store.root().toString().equals(i.configValue(Labels.SESSIONS_ROOT));
    }

    /** Past its `--limit-duration`, counted from when Incus created it. */
    static boolean overdue(Model.Instance i) {
        String limit = i.configValue(Labels.LIMIT_DURATION);
        if (limit == null || i.createdAt() == null) return false;
        try {
            return OffsetDateTime.parse(i.createdAt()).plus(Duration.parse(limit)).isBefore(OffsetDateTime.now());
        } catch (RuntimeException unparsable) {
            return false;
        }
    }

    private static void stopOverdue(IncusClient incus, Model.Instance i) {
        log("stopping " + i.name() + ": its duration limit " + i.configValue(Labels.LIMIT_DURATION) + " is up");
        try {
            incus.stop(i.name(), 30, false);
        } catch (IncusException e) {
            incus.stop(i.name(), -1, true);
        }
    }

    private static void onEvent(JsonNode event, IncusClient incus, SessionStore store, Finalizer finalizer, Fencing fencing, String prefix) {
        String action = event.path("metadata").path("action").asText();
        String source = event.path("metadata").path("source").asText();
        String name = source.substring(source.lastIndexOf('/') + 1);
        if (!ENDINGS.contains(action) || ContainerName.parse(prefix, name).isEmpty()) return;
        try {
            try {
                Model.Instance instance = incus.instance(name);
                if (!mine(instance, store)) return;
                if (!instance.running()) {
                    finalizer.ended(instance);
                    log("ended " + name + " (" + action + ")");
                }
            } catch (IncusException.NotFound gone) {
                // rules of a container that no longer exists serve nobody, whoever made them
                fencing.remove(name);
                finalizer.endedByName(name);
                log("ended " + name + " (" + action + ", container gone)");
            }
        } catch (RuntimeException e) {
            log("could not finalize " + name + ": " + e.getMessage());
        }
    }

    private static void log(String message) {
        System.out.println(Sessions.now() + " " + message);
        System.out.flush();
    }
}
