package coi.network;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs host commands for the integration tests. */
final class Sh {

    record Result(int code, String out, String err) {
        Result orFail(List<String> argv) {
            if (code != 0) throw new IllegalStateException(String.join(" ", argv) + " exited " + code + ": " + err.strip() + " " + out.strip());
            return this;
        }
    }

    private Sh() {}

    static Result run(List<String> argv, String stdin) {
        try {
            Process p = new ProcessBuilder(argv).start();
            var out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
            var err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
            try (var in = p.getOutputStream()) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", argv) + " did not finish in 120 s");
            }
            return new Result(p.exitValue(), out.join(), err.join());
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + argv.getFirst() + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static Result run(String... argv) {
        return run(List.of(argv), "");
    }

    /** Runs and fails the test on a non-zero exit. */
    static String must(String... argv) {
        return run(List.of(argv), "").orFail(List.of(argv)).out();
    }

    private static String read(java.io.InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
