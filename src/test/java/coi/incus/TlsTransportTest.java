package coi.incus;

import static coi.incus.PemTest.openssl;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A remote daemon over HTTPS: the client shows its certificate and trusts only the pinned server one. */
@Timeout(value = 20, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class TlsTransportTest {
    @TempDir
    Path dir;
    Path serverCrt, serverKey, clientCrt, clientKey;

    @BeforeEach
    void certificates() throws Exception {
        serverCrt = dir.resolve("server.crt");
        serverKey = dir.resolve("server.key");
        clientCrt = dir.resolve("client.crt");
        clientKey = dir.resolve("client.key");
        selfSigned(serverKey, serverCrt, "fake-incus");
        selfSigned(clientKey, clientCrt, "coi-client");
    }

    @Test
    void talksToTheDaemonWithTheClientCertificate() throws Exception {
        try (SSLServerSocket server = listen()) {
            CompletableFuture<String> seen = CompletableFuture.supplyAsync(() -> answerOnce(server));
            URI url = URI.create("https://127.0.0.1:" + server.getLocalPort());

            try (IncusClient client = IncusClient.remote(url, clientCrt, clientKey, serverCrt)) {
                assertThat(client.address()).isEqualTo("https://127.0.0.1:" + server.getLocalPort());
                assertThat(client.server().version()).isEqualTo("6.0.4");
            }
            assertThat(seen.get(10, TimeUnit.SECONDS))
                    .startsWith("GET /1.0 HTTP/1.1|Host: 127.0.0.1:" + server.getLocalPort())
                    .endsWith("|client=CN=coi-client");
        }
    }

    @Test
    void refusesADaemonWhoseCertificateIsNotThePinnedOne() throws Exception {
        Path otherKey = dir.resolve("other.key"), otherCrt = dir.resolve("other.crt");
        selfSigned(otherKey, otherCrt, "impostor");
        try (SSLServerSocket server = listen()) {
            CompletableFuture.runAsync(() -> answerOnce(server));
            URI url = URI.create("https://127.0.0.1:" + server.getLocalPort());

            try (IncusClient client = IncusClient.remote(url, clientCrt, clientKey, otherCrt)) {
                assertThatThrownBy(client::server)
                        .isInstanceOf(IncusException.class)
                        .hasMessageContaining("https://127.0.0.1:" + server.getLocalPort());
            }
        }
    }

    @Test
    void saysWhichFilesItCouldNotLoad() {
        Path missing = dir.resolve("missing.key");

        assertThatThrownBy(() -> new TlsTransport(URI.create("https://incus.example:8443"), clientCrt, missing, serverCrt))
                .isInstanceOf(IncusException.class)
                .hasMessageContaining("cannot load TLS credentials for https://incus.example:8443")
                .hasMessageContaining(missing.toString());
    }

    // ---------------------------------------------------------------- a one-request HTTPS daemon

    private SSLServerSocket listen() throws Exception {
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        keys.setKeyEntry("server", TlsTransport.Pem.privateKey(Files.readString(serverKey)), new char[0],
                new Certificate[] {certificate(serverCrt)});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, new char[0]);
        KeyStore trusted = KeyStore.getInstance("PKCS12");
        trusted.load(null, null);
        trusted.setCertificateEntry("client", certificate(clientCrt));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trusted);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        SSLServerSocket server = (SSLServerSocket) context.getServerSocketFactory().createServerSocket(0, 1, InetAddress.getLoopbackAddress());
        server.setNeedClientAuth(true);
        return server;
    }

    /** Answers one GET /1.0; returns "request line|host header|client=SUBJECT". */
    private static String answerOnce(SSLServerSocket server) {
        try (SSLSocket socket = (SSLSocket) server.accept()) {
            InputStream in = socket.getInputStream();
            String requestLine = Http.readLine(in), host = null;
            for (String h; (h = Http.readLine(in)) != null && !h.isEmpty(); ) {
                if (h.toLowerCase().startsWith("host:")) host = h;
            }
            String client = ((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSubjectX500Principal().getName();
            String body = FakeIncus.envelope("{\"environment\":{\"server_version\":\"6.0.4\"}}");
            OutputStream out = socket.getOutputStream();
            out.write(FakeIncus.http(200, "Content-Type: application/json\r\n", body).getBytes(StandardCharsets.UTF_8));
            out.flush();
            in.read();  // until the client hangs up
            return requestLine + "|" + host + "|client=" + client;
        } catch (IOException e) {
            return "failed: " + e;
        }
    }

    private static X509Certificate certificate(Path pem) throws Exception {
        return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(Files.readAllBytes(pem)));
    }

    /** As incus makes its client key: EC P-384 in SEC1 ("EC PRIVATE KEY"), with a self-signed certificate. */
    private static void selfSigned(Path key, Path crt, String cn) throws Exception {
        openssl("ecparam", "-name", "secp384r1", "-genkey", "-noout", "-out", key.toString());
        openssl("req", "-x509", "-new", "-key", key.toString(), "-out", crt.toString(), "-days", "1", "-subj", "/CN=" + cn);
    }
}
