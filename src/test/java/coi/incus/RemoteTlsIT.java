package coi.incus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import coi.testing.HttpsListener;
import coi.testing.TestIncus;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same client code over HTTPS with a client certificate: the local daemon listens on a
 * loopback address for the duration of the test and trusts a certificate made here.
 */
@Tag("incus")
class RemoteTlsIT {
    private static final String LISTEN = HttpsListener.ADDRESS;

    @Test
    void trustedClientCertificateReachesTheDaemonOverTls(@TempDir Path dir) throws Exception {
        Path key = dir.resolve("client.key"), cert = dir.resolve("client.crt");
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:secp384r1", "-nodes", "-days", "1",
                "-subj", "/CN=coitest-tls", "-keyout", key.toString(), "-out", cert.toString());
        // incus writes SEC1 "EC PRIVATE KEY" files; convert ours so that format is the one exercised
        Path sec1 = dir.resolve("client-sec1.key");
        openssl("ec", "-in", key.toString(), "-out", sec1.toString());
        assertThat(Files.readString(sec1)).contains("BEGIN EC PRIVATE KEY");
        Path serverCert = Path.of("/var/lib/incus/server.crt");

        try (IncusClient local = TestIncus.client(); HttpsListener listener = HttpsListener.open(local)) {
            String fingerprint = local.trustCertificate(TestIncus.name("tls"), Files.readString(cert));
            try (IncusClient remote = IncusClient.remote(URI.create("https://" + LISTEN), cert, sec1, serverCert)) {
                Model.Server server = remote.server();
                assertThat(server.auth()).isEqualTo("trusted");
                assertThat(remote.instances()).extracting(Model.Instance::name)
                        .containsExactlyInAnyOrderElementsOf(local.instances().stream().map(Model.Instance::name).toList());
                assertThat(remote.aliasExists(TestIncus.baseImage())).isTrue();
            } finally {
                local.untrustCertificate(fingerprint);
            }
            try (IncusClient untrusted = IncusClient.remote(URI.create("https://" + LISTEN), cert, sec1, serverCert)) {
                assertThat(untrusted.server().auth()).isEqualTo("untrusted");
                assertThatThrownBy(untrusted::instances).isInstanceOf(IncusException.class);
            }
        }
    }

    private static void openssl(String... args) throws Exception {
        String[] cmd = new String[args.length + 1];
        cmd[0] = "openssl";
        System.arraycopy(args, 0, cmd, 1, args.length);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as("openssl %s: %s", String.join(" ", args), out).isZero();
    }
}
