package coi.session;

import coi.AtomicFile;
import coi.config.Config;
import coi.incus.Json;
import coi.pool.Fit;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Keeps warm pools filled from the per-user background process (the {@link Supervisor}): every
 * {@link #PERIOD} it brings the pool of each requested config up to its size and replaces the
 * members that went stale (image rebuilt, config changed: {@link WarmPool#fill} does both). A
 * request is a small file under {@code <sessions>/pool/}, one per workspace, left by `coi pool
 * fill`, by `coi shell` and by the helper that ends a `coi run` whose config has a pool; it names
 * the workspace and the `COI_*` variables, so the keeper loads the config that coi saw. While a
 * request is there the background process stays up; `coi pool drain` removes them all, and a
 * request whose workspace is gone or whose config now says size 0 is dropped.
 */
public final class PoolKeeper {
    /** An image rebuilt or a config changed is seen within this; a claimed member is replaced within it too. */
    static final Duration PERIOD = Duration.ofSeconds(10);

    /** Loads a workspace's config as coi's command line does, with these `COI_*` variables. */
    @FunctionalInterface
    public interface Configs {
        Config load(Path workspace, Map<String, String> coiEnv);
    }

    /** Where the keeper finds the config of a pool it keeps filled. */
    record Request(String workspace, Map<String, String> env) {}

    private final WarmPool pool;
    private final Path sessionsRoot;
    private final Configs configs;
    /**
     * The fit each request was last filled for. The workspace's `.coi.toml` may change it at any
     * time (its agent writes it, also during a session): members of a fit no request wants any
     * more go, or an agent flipping the image between the daemon's aliases would have the keeper
     * keep a pool of each. Only this keeper's thread uses it.
     */
    private Map<Path, Fit> kept = Map.of();

    PoolKeeper(WarmPool pool, Path sessionsRoot, Configs configs) {
        this.pool = pool;
        this.sessionsRoot = sessionsRoot;
        this.configs = configs;
    }

    static Path dir(Path sessionsRoot) {
        return sessionsRoot.resolve("pool");
    }

    /** Asks the keeper to keep the pool of {@code workspace}'s config filled; {@code env}: the caller's environment. */
    static void request(Path sessionsRoot, Workspace workspace, Map<String, String> env) {
        Path file = dir(sessionsRoot).resolve(workspace.hash() + ".json");
        try {
            AtomicFile.write(file, Json.MAPPER.writeValueAsBytes(new Request(workspace.path().toString(), coiOnly(env))));
        } catch (IOException e) {
            // the pool still works: it is only not refilled in the background
            System.err.println("coi: warning: cannot write " + file + " (" + e.getMessage() + "): the pool is refilled only by `coi pool fill`");
        }
    }

    /** Drops every request: nothing refills the pool until the next fill or pooled session asks again. */
    static void forgetAll(Path sessionsRoot) {
        for (Path file : requests(sessionsRoot)) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                throw new coi.CoiException("cannot remove " + file + ": " + e.getMessage(), e);
            }
        }
    }

    /** Whether a pool is to be kept filled: the background process then stays up, and makes a keeper. */
    static boolean wanted(Path sessionsRoot) {
        return !requests(sessionsRoot).isEmpty();
    }

    /**
     * Starts the keeper's thread: a fill takes seconds, which the monitor's looks must not wait
     * for. The first round comes a period after the start: whoever started the process (a shell
     * attaching, a fill) is not to share the machine with a refill at that moment.
     */
    void start() {
        Thread.ofPlatform().daemon().name("pool keeper").start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    Thread.sleep(PERIOD.toMillis());
                } catch (InterruptedException e) {
                    return;
                }
                tick();
            }
        });
    }

    /** One round over the requests. */
    void tick() {
        Map<Path, Fit> now = new HashMap<>();
        for (Path file : requests(sessionsRoot)) {
            try {
                keep(file).ifPresent(fit -> now.put(file, fit));
            } catch (RuntimeException e) {
                Supervisor.log("pool: could not refill for " + file.getFileName() + ": " + e.getMessage());
                // a config that cannot be read now keeps what it had
                if (kept.containsKey(file)) now.put(file, kept.get(file));
            }
        }
        kept.values().stream().distinct().filter(fit -> !now.containsValue(fit)).forEach(this::retire);
        kept = now;
    }

    private void retire(Fit fit) {
        try {
            List<String> removed = pool.retire(fit);
            if (!removed.isEmpty()) Supervisor.log("pool: removed " + String.join(", ", removed) + ": no request wants their settings now");
        } catch (RuntimeException e) {
            Supervisor.log("pool: could not remove members no request wants: " + e.getMessage());
        }
    }

    /** Fills the pool of one request; returns the fit it is for, empty when the request was dropped. */
    private Optional<Fit> keep(Path file) {
        Request request;
        try {
            request = Json.MAPPER.readValue(file.toFile(), Request.class);
        } catch (IOException e) {
            drop(file, "unreadable request (" + e.getMessage() + ")");
            return Optional.empty();
        }
        // written by coi under the sessions folder, which no session mounts; checked all the same, as it says which
        // workspace's config the keeper loads: only its own, named by the hash of the path
        if (request.workspace() == null || !Path.of(request.workspace()).isAbsolute()
                || !file.getFileName().toString().equals(new Workspace(Path.of(request.workspace())).hash() + ".json")) {
            drop(file, "it does not name the workspace it was written for");
            return Optional.empty();
        }
        Path workspace = Path.of(request.workspace());
        if (!Files.isDirectory(workspace)) {
            drop(file, "workspace " + workspace + " is gone");
            return Optional.empty();
        }
        Config config = configs.load(workspace, coiOnly(request.env() == null ? Map.of() : request.env()));
        if (config.pool().size() == 0) {
            drop(file, "the config of " + workspace + " keeps no pool now");
            return Optional.empty();
        }
        WarmPool.Filled filled = pool.fillRequested(new Workspace(workspace), config, file);
        if (!filled.made().isEmpty()) Supervisor.log("pool: made " + String.join(", ", filled.made()) + " for " + workspace);
        return Optional.of(filled.fit());
    }

    private static Map<String, String> coiOnly(Map<String, String> env) {
        Map<String, String> coiEnv = new TreeMap<>();
        env.forEach((k, v) -> {
            if (k.startsWith("COI_")) coiEnv.put(k, v);
        });
        return coiEnv;
    }

    private static void drop(Path file, String why) {
        try {
            Files.deleteIfExists(file);
            Supervisor.log("pool: no longer refilled for " + file.getFileName() + ": " + why);
        } catch (IOException e) {
            Supervisor.log("pool: cannot remove " + file + ": " + e.getMessage());
        }
    }

    private static List<Path> requests(Path sessionsRoot) {
        Path dir = dir(sessionsRoot);
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".json") && Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS))
                    .sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }
}
