package coi.setup;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * What setup touches on the machine itself: files under a root folder (/ for real, a temporary
 * one in tests) and commands. One seam, so the steps' decisions are testable without root.
 */
public interface HostSystem {
    record Result(int code, String out) {
        public boolean ok() {
            return code == 0;
        }
    }

    /** {@code path} (absolute, e.g. /etc/subuid) under this host's root. */
    Path file(String path);

    Result run(List<String> argv);

    /** Starts a process that outlives coi (a daemon), output appended to {@code log}. */
    void spawn(List<String> argv, Path log);

    boolean root();

    /** Whether systemd is PID 1 (services can be enabled) or not (daemons are started by hand). */
    boolean systemd();

    /** The executable of that name in the usual bin and sbin folders. */
    default Optional<Path> which(String command) {
        for (String dir : List.of("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin")) {
            Path p = file(dir + "/" + command);
            if (Files.isExecutable(p)) return Optional.of(Path.of(dir, command));
        }
        return Optional.empty();
    }

    default String read(String path) {
        try {
            Path p = file(path);
            return Files.exists(p) ? Files.readString(p) : "";
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path, e);
        }
    }

    default void write(String path, String content) {
        try {
            Path p = file(path);
            Files.createDirectories(p.getParent());
            Files.writeString(p, content);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + path, e);
        }
    }
}
