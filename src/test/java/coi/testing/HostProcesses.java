package coi.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The host's processes as the tests look for them in /proc: by command line, and by what their environment holds. */
public final class HostProcesses {
    private HostProcesses() {}

    /** One process; what it no longer has to read (it ended meanwhile) reads as empty. */
    public record Proc(long pid) {
        /** Its arguments joined by spaces. */
        public String cmdline() {
            return read("cmdline").replace('\0', ' ');
        }

        /** Whether its environment holds {@code NAME=VALUE} exactly. */
        public boolean hasEnv(String name, String value) {
            return ("\0" + read("environ")).contains("\0" + name + "=" + value + "\0");
        }

        private String read(String file) {
            try {
                return new String(Files.readAllBytes(Path.of("/proc/" + pid, file)), StandardCharsets.UTF_8);
            } catch (IOException gone) {
                return "";
            }
        }
    }

    /** Every process of the host at this moment. */
    public static List<Proc> all() throws IOException {
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            return procs.map(p -> p.getFileName().toString()).filter(n -> n.chars().allMatch(Character::isDigit))
                    .map(n -> new Proc(Long.parseLong(n))).toList();
        }
    }
}
