package coi.image;

import coi.CoiException;
import coi.incus.ExecRequest;
import coi.incus.IncusClient;
import coi.incus.IncusException;
import coi.incus.InstanceSpec;
import coi.incus.Retries;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Runs build scripts as root in a container from a base image and publishes the result under a
 * versioned alias plus the plain one. The build container is always removed, also on failure
 * or Ctrl-C; an image is only published after every script succeeded.
 */
public final class Builder {
    private static final int TAIL_LINES = 25;

    private final IncusClient incus;
    private final PrintWriter out;
    private final Path logDir;

    public Builder(IncusClient incus, PrintWriter out, Path logDir) {
        this.incus = incus;
        this.out = out;
        this.logDir = logDir;
    }

    /** A script to run: its name for messages and its text. */
    public record Script(String name, byte[] content) {}

    /** {@code baseServer}: null for a local base image, or a simplestreams server to pull {@code base} from. */
    public record Spec(String alias, String base, String baseServer, List<Script> scripts, Map<String, String> config,
                       Map<String, Map<String, String>> devices, Map<String, byte[]> files, Map<String, String> env,
                       String description) {}

    public record Result(String alias, String versionedAlias, String fingerprint, Duration took, Path log) {}

    public Result build(Spec spec) {
        if (spec.baseServer() == null && !incus.aliasExists(spec.base())) {
            throw new CoiException("base image '" + spec.base() + "' not found: build it first (`coi build` makes `coi`) or pass --base");
        }
        long start = System.nanoTime();
        String container = "coi-build-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        Path log = openLog(spec.alias());
        Thread undo = new Thread(() -> removeQuietly(container), "coi-build-cleanup");
        Runtime.getRuntime().addShutdownHook(undo);
        try (OutputStream logOut = Files.newOutputStream(log)) {
            progress(start, "starting build container " + container + " from " + spec.base()
                    + (spec.baseServer() == null ? "" : " on " + spec.baseServer()));
            incus.createInstance(new InstanceSpec(container, spec.base(), spec.config(), spec.devices(), null, false, true, spec.baseServer()));
            incus.awaitIpv4(container, Duration.ofSeconds(30));
            spec.files().forEach((path, content) -> incus.files(container).write(path, content, 0, 0, 0644));
            for (Script script : spec.scripts()) run(container, script, spec.env(), logOut, start, log);
            progress(start, "stopping and publishing " + spec.alias());
            try {
                incus.stop(container, 60, false);
            } catch (IncusException e) {
                incus.stop(container, -1, true);
            }
            String versioned = Versions.versioned(spec.alias());
            String fingerprint = incus.publish(container, versioned, Map.of("description", spec.description()));
            try {
                new Images(incus).pointAlias(spec.alias(), fingerprint);
            } catch (IncusException e) {
                incus.deleteImage(fingerprint);
                throw e;
            }
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            progress(start, "published " + spec.alias() + " (" + versioned + ", " + fingerprint.substring(0, 12) + ")");
            return new Result(spec.alias(), versioned, fingerprint, took, log);
        } catch (IOException e) {
            throw new CoiException("cannot write the build log " + log + ": " + e.getMessage(), e);
        } finally {
            removeQuietly(container);
            try {
                Runtime.getRuntime().removeShutdownHook(undo);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running already
            }
        }
    }

    private void run(String container, Script script, Map<String, String> env, OutputStream logOut, long start, Path log) throws IOException {
        String path = "/root/coi-build-" + script.name().replaceAll("[^A-Za-z0-9._-]", "_");
        incus.files(container).write(path, script.content(), 0, 0, 0700);
        progress(start, "running " + script.name());
        Tail tail = new Tail(logOut, start);
        int code = incus.exec(container, new ExecRequest(List.of("/bin/bash", path), env, 0, 0, "/root"), null, tail, tail);
        tail.flush();
        if (code != 0) {
            out.println("---- last lines of " + script.name() + " ----");
            tail.lastLines().forEach(out::println);
            out.println("----");
            out.flush();
            throw new CoiException(script.name() + " failed with exit code " + code + " (full log: " + log + "); nothing was published");
        }
        try {
            incus.files(container).delete(path);
        } catch (IncusException.NotFound cleanedUpByTheScript) {
            // the script may tidy /root itself
        }
    }

    private Path openLog(String alias) {
        try {
            Files.createDirectories(logDir);
            return logDir.resolve("build-" + alias + "-" + Versions.versioned("log").substring(4) + ".log");
        } catch (IOException e) {
            throw new CoiException("cannot create the build log folder " + logDir + ": " + e.getMessage(), e);
        }
    }

    private void progress(long start, String message) {
        out.printf("[%5.1fs] %s%n", (System.nanoTime() - start) / 1e9, message);
        out.flush();
    }

    private void removeQuietly(String container) {
        try {
            Retries.delete(incus, container);
        } catch (IncusException e) {
            System.err.println("coi: could not remove build container " + container + ": " + e.getMessage());
        }
    }

    /**
     * Script output: everything to the log, `==> step` lines to the user with the elapsed time,
     * and the last lines kept to show when the script fails.
     */
    private final class Tail extends OutputStream {
        private final OutputStream log;
        private final long start;
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();
        private final Deque<String> last = new ArrayDeque<>();

        Tail(OutputStream log, long start) {
            this.log = log;
            this.start = start;
        }

        @Override
        public synchronized void write(int b) throws IOException {
            log.write(b);
            if (b == '\n') endLine();
            else line.write(b);
        }

        @Override
        public synchronized void write(byte[] buf, int off, int len) throws IOException {
            for (int i = off; i < off + len; i++) write(buf[i]);
        }

        private void endLine() {
            String text = line.toString(StandardCharsets.UTF_8);
            line.reset();
            if (text.startsWith("==> ")) progress(start, text.substring(4));
            last.addLast(text);
            if (last.size() > TAIL_LINES) last.removeFirst();
        }

        @Override
        public synchronized void flush() throws IOException {
            if (line.size() > 0) endLine();
            log.flush();
        }

        synchronized List<String> lastLines() {
            return List.copyOf(last);
        }
    }
}
