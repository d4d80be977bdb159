package coi.network;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The {@code nft} command. An interface so that {@link NetworkFence} can be tested without root. */
public interface Nft {

    /** Runs {@code nft <args>} with {@code stdin}; returns stdout, or throws with nft's own message. */
    String run(String stdin, String... args);

    /** Thrown for a non-zero exit: callers tell "object does not exist" apart from real failures. */
    final class NftFailed extends FenceException {
        public NftFailed(String message) {
            super(message);
        }

        boolean noSuchObject() {
            return getMessage().contains("No such file or directory");
        }
    }

    /**
     * Runs the real binary. {@code command} is usually {@code ["nft"]}; a non-root coi would
     * pass e.g. {@code ["sudo", "-n", "nft"]}.
     */
    static Nft command(List<String> command) {
        return (stdin, args) -> {
            List<String> argv = new ArrayList<>(command);
            argv.addAll(List.of(args));
            try {
                Process p = new ProcessBuilder(argv).start();
                try (var in = p.getOutputStream()) {
                    in.write(stdin.getBytes(StandardCharsets.UTF_8));
                }
                var out = p.getInputStream().readAllBytes();
                var err = p.getErrorStream().readAllBytes();
                if (!p.waitFor(30, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new NftFailed("nft did not finish within 30 s");
                }
                if (p.exitValue() != 0) {
                    String why = new String(err, StandardCharsets.UTF_8).strip();
                    if (why.contains("Operation not permitted")) {
                        why += " (installing network rules needs root or CAP_NET_ADMIN)";
                    }
                    throw new NftFailed("nft " + String.join(" ", args) + " failed: " + why);
                }
                return new String(out, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new FenceException("cannot run " + argv.getFirst() + ": " + e.getMessage()
                        + " (the network fence needs nftables: apt-get install nftables)", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new FenceException("interrupted while running nft", e);
            }
        };
    }
}
