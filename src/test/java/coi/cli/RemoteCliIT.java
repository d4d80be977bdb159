package coi.cli;

import static org.assertj.core.api.Assertions.assertThat;

import coi.incus.IncusClient;
import coi.testing.CoiProcess;
import coi.testing.HttpsListener;
import coi.testing.Sandbox;
import coi.testing.TestIncus;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Remotes as users make them: `incus remote add` with a trust token against the local daemon
 * listening on loopback HTTPS, then `coi --remote NAME`, and the incus CLI's default remote.
 */
@Tag("incus")
class RemoteCliIT {

    @Test
    void aRemoteAddedWithTheIncusCliIsWhatCoiTalksTo(@TempDir Path home) throws Exception {
        String remote = Sandbox.PREFIX + "remote";
        String trustName = TestIncus.name("pkg-trust");
        Path conf = home.resolve(".config/incus");
        CoiProcess coi = new CoiProcess().env("HOME", home.toString()).in(home);
        try (IncusClient local = TestIncus.client(); HttpsListener listener = HttpsListener.open(local)) {
            String token = sh(null, "incus", "config", "trust", "add", trustName).strip().lines().reduce((a, b) -> b).orElseThrow();
            try {
                sh(home, "incus", "remote", "add", remote, "https://" + HttpsListener.ADDRESS, "--token", token, "--accept-certificate");
                assertThat(conf.resolve("servercerts/" + remote + ".crt")).exists();

                CoiProcess.Result list = coi.run("--remote", remote, "list", "--format", "json");
                assertThat(list.exitCode()).as(list.toString()).isZero();
                assertThat(list.out().strip()).startsWith("{").contains("\"active_containers\"");
                CoiProcess.Result health = coi.run("--remote", remote, "health");
                assertThat(health.out()).as(health.toString()).contains("at https://" + HttpsListener.ADDRESS);

                sh(home, "incus", "remote", "switch", remote);
                assertThat(coi.run("health").out()).as("the incus CLI's default remote").contains("at https://" + HttpsListener.ADDRESS);
                assertThat(coi.run("--remote", "local", "health").out()).contains("at /var/lib/incus/unix.socket");
            } finally {
                if (Files.exists(conf.resolve("client.crt"))) local.untrustCertificate(fingerprint(conf.resolve("client.crt")));
                sh(null, "sh", "-c", "incus config trust revoke-token " + trustName + " 2>/dev/null || true");
            }
        }
    }

    @Test
    void anUnknownRemoteIsAUsageError(@TempDir Path home) {
        CoiProcess.Result r = new CoiProcess().env("HOME", home.toString()).run("--remote", "nowhere", "list");

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err().strip()).isEqualTo("coi: unknown Incus remote 'nowhere': `incus remote list` shows the ones in "
                + home.resolve(".config/incus/config.yml") + " (see `coi list --help`)");
    }

    @Test
    void aListenerThatAcceptsAndNeverAnswersFailsWithinTheTimeout(@TempDir Path home) throws Exception {
        Path conf = Files.createDirectories(home.resolve(".config/incus"));
        sh(null, "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:secp384r1", "-nodes", "-days", "1",
                "-subj", "/CN=coitest-silent", "-keyout", conf.resolve("client.key").toString(), "-out", conf.resolve("client.crt").toString());
        List<Socket> held = new ArrayList<>();
        try (ServerSocket silent = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            Thread.ofVirtual().start(() -> {
                try {
                    for (;;) held.add(silent.accept());
                } catch (IOException closed) {
                    // the test is over
                }
            });
            Files.writeString(conf.resolve("config.yml"), "remotes:\n  silent:\n    addr: https://127.0.0.1:" + silent.getLocalPort()
                    + "\n    protocol: incus\n");

            long start = System.nanoTime();
            CoiProcess.Result r = new CoiProcess().env("HOME", home.toString()).env("COI_INCUS_TIMEOUT", "3").run("--remote", "silent", "list");
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            System.out.printf("coi --remote silent list with COI_INCUS_TIMEOUT=3 failed after %d ms%n", took.toMillis());

            assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
            assertThat(r.err()).startsWith("coi: Incus at https://127.0.0.1:" + silent.getLocalPort() + " did not answer the connection within 3 s");
            assertThat(took).isLessThan(Duration.ofSeconds(15));
        } finally {
            for (Socket s : held) s.close();
        }
    }

    /** Runs a command (with HOME set when given), fails the test on a non-zero exit; returns its output. */
    private static String sh(Path home, String... argv) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true);
        if (home != null) pb.environment().put("HOME", home.toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as("%s: %s", String.join(" ", argv), out).isZero();
        return out;
    }

    private static String fingerprint(Path pem) throws Exception {
        String out = sh(null, "openssl", "x509", "-in", pem.toString(), "-noout", "-fingerprint", "-sha256");
        return out.substring(out.indexOf('=') + 1).strip().replace(":", "").toLowerCase();
    }
}
