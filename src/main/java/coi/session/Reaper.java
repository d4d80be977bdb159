package coi.session;

import coi.Detached;
import coi.incus.IncusClient;
import coi.incus.IncusException;
import coi.incus.Model;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The end of an ephemeral `coi run` off its critical path. coi asks Incus for a forced stop and
 * returns with the command's exit code; Incus stops and removes the ephemeral container by
 * itself whether or not anyone waits. A detached helper ({@code coi __reap NAME}) then waits for
 * it to be gone and removes its network rules and view, under the {@link NameLock}, and when the
 * run's config has a warm pool, fills it (with the workspace's config) and leaves the request that
 * has the background process keep it filled ({@link PoolKeeper}); last, the workspace's
 * {@link Placeholders} if no container of it is left. If the
 * helper dies too, `coi clean` removes the orphaned rules; the container is gone either way.
 */
final class Reaper {
    private static final long WAIT_NANOS = 60_000_000_000L;

    private Reaper() {}

    /** Starts the helper; false when it cannot run (no launcher known), so the caller removes everything itself. */
    static boolean handOff(IncusClient incus, Sessions.Host host, String container, Path workspace, boolean refillPool) {
        if (host.launcher() == null) return false;
        // the helper starts while Incus is asked for the stop: neither waits for the other; a helper
        // whose stop failed finds the container gone after the caller removed it, and tidies up after it
        try {
            Overlap.run(() -> startHelper(host, container, workspace, refillPool), () -> incus.stopInBackground(container));
        } catch (IncusException e) {
            return false;
        }
        return true;
    }

    private static void startHelper(Sessions.Host host, String container, Path workspace, boolean refillPool) {
        try {
            java.util.List<String> argv = new java.util.ArrayList<>(java.util.List.of(host.launcher().toString(), "__reap", container));
            if (refillPool) argv.add("--refill");
            // coi takes its working folder from PWD, as a shell sets it
            Detached.start(argv, workspace, java.util.Map.of("PWD", workspace.toString()), ProcessBuilder.Redirect.DISCARD);
        } catch (IOException e) {
            System.err.println("coi: could not start the helper that removes " + container + "'s network rules (" + e.getMessage()
                    + "): `coi clean` removes them");
        }
    }

    /** The helper's side: waits for the container to go (forcing it after a minute), then removes its rules and view. */
    static void reap(IncusClient incus, Fencing fencing, ProtectedView views, Path sessionsRoot, String container) {
        long deadline = System.nanoTime() + WAIT_NANOS;
        while (incus.findInstance(container).isPresent()) {
            if (System.nanoTime() > deadline) {
                incus.delete(container, true);
                break;
            }
            sleep();
        }
        try (NameLock lock = NameLock.hold(sessionsRoot, container)) {
            // a new container of the same name may have been created meanwhile: its rules are its own
            if (incus.findInstance(container).map(Model.Instance::name).isEmpty()) fencing.remove(container);
        }
        views.remove(ProtectedView.path(sessionsRoot, container));
    }

    private static void sleep() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IncusException("interrupted", e);
        }
    }
}
