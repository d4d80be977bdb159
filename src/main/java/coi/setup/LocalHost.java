package coi.setup;

import coi.Detached;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** This machine: files at their real paths, commands run with their output captured. */
public final class LocalHost implements HostSystem {
    @Override
    public Path file(String path) {
        return Path.of(path);
    }

    @Override
    public Result run(List<String> argv) {
        try {
            Process p = new ProcessBuilder(argv).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return new Result(p.waitFor(), out);
        } catch (IOException e) {
            return new Result(127, argv.getFirst() + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + argv.getFirst(), e);
        }
    }

    @Override
    public void spawn(List<String> argv, Path log) {
        try {
            Files.createDirectories(log.getParent());
            Detached.start(argv, null, Map.of(), ProcessBuilder.Redirect.appendTo(log.toFile()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + argv.getFirst(), e);
        }
    }

    @Override
    public boolean root() {
        try {
            return Files.readAllLines(Path.of("/proc/self/status")).stream()
                    .anyMatch(l -> l.startsWith("Uid:") && l.split("\\s+")[1].equals("0"));
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public boolean systemd() {
        try {
            return Files.readString(Path.of("/proc/1/comm")).strip().equals("systemd");
        } catch (IOException e) {
            return false;
        }
    }
}
