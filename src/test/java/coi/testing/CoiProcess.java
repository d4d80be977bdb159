package coi.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs the real `bin/coi` as a user would, and collects what it printed and its exit code. */
public final class CoiProcess {
    public record Result(int exitCode, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    private final Map<String, String> env = new HashMap<>();
    private Path cwd = Path.of(".");
    private String stdin;
    private java.util.function.Supplier<String> diagnostics = () -> "";

    public static Path home() {
        return Path.of(System.getProperty("coi.home", ".")).toAbsolutePath().normalize();
    }

    public static Path launcher() {
        return home().resolve("bin/coi");
    }

    public CoiProcess env(String key, String value) {
        env.put(key, value);
        return this;
    }

    public CoiProcess in(Path dir) {
        this.cwd = dir;
        return this;
    }

    /** What to add to the failure when coi does not finish: the sandbox's supervisor log, say. */
    public CoiProcess diagnostics(java.util.function.Supplier<String> what) {
        this.diagnostics = what;
        return this;
    }

    public CoiProcess stdin(String text) {
        this.stdin = text;
        return this;
    }

    public Result run(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(launcher().toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile());
        pb.environment().putAll(env);
        if (stdin == null) pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        try {
            Process p = pb.start();
            if (stdin != null) {
                p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
                p.getOutputStream().close();
            }
            CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
            CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
            if (!p.waitFor(10, TimeUnit.MINUTES)) {
                String state = diagnostics.get();
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError("coi " + String.join(" ", args) + " did not finish in 10 minutes; it printed:\n--- stdout\n"
                        + out.getNow("<open>") + "--- stderr\n" + err.getNow("<open>") + "\n" + state);
            }
            return new Result(p.exitValue(), out.join(), err.join());
        } catch (IOException e) {
            throw new AssertionError("cannot run " + cmd + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static String read(java.io.InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "<unreadable: " + e.getMessage() + ">";
        }
    }
}
