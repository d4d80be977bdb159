package coi.incus;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collection;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * A remote daemon over HTTPS with a client certificate, as the incus CLI does it: the client
 * presents ~/.config/incus/client.crt/.key and trusts exactly the server certificate it pinned
 * (servercerts/NAME.crt), or, with none pinned, the system's certificate authorities and the
 * host name. The TLS handshake counts as part of connecting: a listener that accepts and never
 * answers fails within the connect timeout.
 */
public final class TlsTransport implements Transport {
    private final String hostname;
    private final int port;
    private final SSLContext context;
    private final boolean pinned;
    private final Timeouts timeouts;

    public TlsTransport(URI url, Path clientCert, Path clientKey, Path serverCert) {
        this(url, clientCert, clientKey, serverCert, Timeouts.DEFAULT);
    }

    /** {@code serverCert} null: trust the system's certificate authorities instead of one pinned certificate. */
    public TlsTransport(URI url, Path clientCert, Path clientKey, Path serverCert, Timeouts timeouts) {
        this.hostname = url.getHost();
        this.port = url.getPort() > 0 ? url.getPort() : 8443;
        this.pinned = serverCert != null;
        this.timeouts = timeouts;
        try {
            this.context = sslContext(clientCert, clientKey, serverCert);
        } catch (IOException | GeneralSecurityException e) {
            throw new IncusException("cannot load TLS credentials for " + url + ": " + e.getMessage()
                    + " (expected PEM files " + clientCert + ", " + clientKey + (pinned ? ", " + serverCert : "") + ")", e);
        }
    }

    @Override
    public Conn open() throws IOException {
        SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket();
        try {
            if (!pinned) {
                SSLParameters params = socket.getSSLParameters();
                params.setEndpointIdentificationAlgorithm("HTTPS");
                socket.setSSLParameters(params);
            }
            socket.connect(new InetSocketAddress(hostname, port), (int) timeouts.connect().toMillis());
            socket.setSoTimeout((int) timeouts.connect().toMillis());
            socket.startHandshake();
            socket.setSoTimeout((int) timeouts.read().toMillis());
        } catch (IOException e) {
            socket.close();
            throw e;
        }
        InputStream in = socket.getInputStream();
        OutputStream out = socket.getOutputStream();
        return new Conn() {
            public InputStream in() { return in; }
            public OutputStream out() { return out; }
            public void readTimeout(Duration timeout) throws IOException { socket.setSoTimeout((int) timeout.toMillis()); }
            public void close() {
                try {
                    socket.close();
                } catch (IOException ignored) {
                    // closing a broken socket: nothing left to release
                }
            }
        };
    }

    @Override
    public Timeouts timeouts() {
        return timeouts;
    }

    @Override
    public String address() {
        return "https://" + hostname + ":" + port;
    }

    @Override
    public String host() {
        return hostname + ":" + port;
    }

    private static SSLContext sslContext(Path clientCert, Path clientKey, Path serverCert)
            throws IOException, GeneralSecurityException {
        CertificateFactory x509 = CertificateFactory.getInstance("X.509");
        Collection<? extends Certificate> chain = x509.generateCertificates(new ByteArrayInputStream(Files.readAllBytes(clientCert)));
        PrivateKey key = Pem.privateKey(Files.readString(clientKey, StandardCharsets.US_ASCII));

        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        keys.setKeyEntry("client", key, new char[0], chain.toArray(Certificate[]::new));
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, new char[0]);

        TrustManagerFactory tmf = null;
        if (serverCert != null) {
            KeyStore trusted = KeyStore.getInstance("PKCS12");
            trusted.load(null, null);
            int i = 0;
            for (Certificate c : x509.generateCertificates(new ByteArrayInputStream(Files.readAllBytes(serverCert)))) {
                trusted.setCertificateEntry("server" + i++, (X509Certificate) c);
            }
            tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trusted);
        }

        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), tmf == null ? null : tmf.getTrustManagers(), null);
        return ctx;
    }

    /** PEM private keys as written by incus (SEC1 "EC PRIVATE KEY") and openssl (PKCS#8). */
    static final class Pem {
        private Pem() {}

        static PrivateKey privateKey(String pem) throws GeneralSecurityException {
            if (pem.contains("BEGIN PRIVATE KEY")) {
                byte[] der = body(pem, "PRIVATE KEY");
                return keyFactoryFor(der).generatePrivate(new PKCS8EncodedKeySpec(der));
            }
            if (pem.contains("BEGIN EC PRIVATE KEY")) {
                byte[] sec1 = body(pem, "EC PRIVATE KEY");
                return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(ecSec1ToPkcs8(sec1)));
            }
            throw new GeneralSecurityException("unsupported private key format (need PKCS#8 or EC PEM)");
        }

        private static KeyFactory keyFactoryFor(byte[] pkcs8) throws GeneralSecurityException {
            for (String algorithm : new String[] {"EC", "RSA", "Ed25519"}) {
                try {
                    KeyFactory kf = KeyFactory.getInstance(algorithm);
                    kf.generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
                    return kf;
                } catch (GeneralSecurityException tryNext) {
                    // the algorithm is inside the DER; trying the three incus can produce is simpler than parsing it
                }
            }
            throw new GeneralSecurityException("private key is neither EC, RSA nor Ed25519");
        }

        private static byte[] body(String pem, String label) {
            int start = pem.indexOf("-----BEGIN " + label + "-----");
            int end = pem.indexOf("-----END " + label + "-----");
            String b64 = pem.substring(pem.indexOf('\n', start) + 1, end).replaceAll("\\s", "");
            return Base64.getDecoder().decode(b64);
        }

        /** Wraps a SEC1 ECPrivateKey into PKCS#8, taking the curve OID from its [0] parameters. */
        static byte[] ecSec1ToPkcs8(byte[] sec1) throws GeneralSecurityException {
            byte[] curveOid = findCurveOid(sec1);
            byte[] ecPublicKeyOid = {0x06, 0x07, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01};
            byte[] algId = Der.seq(Der.concat(ecPublicKeyOid, curveOid));
            byte[] version = {0x02, 0x01, 0x00};
            return Der.seq(Der.concat(version, algId, Der.tlv(0x04, sec1)));
        }

        /**
         * The [0] field of SEQUENCE { version, privateKey, [0] parameters, [1] publicKey }, found by
         * walking the fields: the secret's random bytes can look like an [0] tag themselves.
         */
        private static byte[] findCurveOid(byte[] sec1) throws GeneralSecurityException {
            try {
                for (int at = Der.valueStart(sec1, 0); at < sec1.length; at = Der.valueStart(sec1, at) + Der.valueLength(sec1, at)) {
                    if ((sec1[at] & 0xff) == 0xa0) {
                        int start = Der.valueStart(sec1, at);
                        return Arrays.copyOfRange(sec1, start, start + Der.valueLength(sec1, at));
                    }
                }
            } catch (ArrayIndexOutOfBoundsException truncated) {
                // falls through to the error below
            }
            throw new GeneralSecurityException("EC private key without curve parameters");
        }
    }

    private static final class Der {
        static byte[] tlv(int tag, byte[] value) {
            byte[] len = length(value.length);
            byte[] out = new byte[1 + len.length + value.length];
            out[0] = (byte) tag;
            System.arraycopy(len, 0, out, 1, len.length);
            System.arraycopy(value, 0, out, 1 + len.length, value.length);
            return out;
        }

        static byte[] seq(byte[] content) {
            return tlv(0x30, content);
        }

        static byte[] concat(byte[]... parts) {
            int n = 0;
            for (byte[] p : parts) n += p.length;
            byte[] out = new byte[n];
            int at = 0;
            for (byte[] p : parts) {
                System.arraycopy(p, 0, out, at, p.length);
                at += p.length;
            }
            return out;
        }

        /** Where the value of the TLV at {@code at} begins. */
        static int valueStart(byte[] der, int at) {
            int first = der[at + 1] & 0xff;
            return at + 2 + (first < 0x80 ? 0 : first & 0x7f);
        }

        static int valueLength(byte[] der, int at) {
            int first = der[at + 1] & 0xff;
            if (first < 0x80) return first;
            int n = 0;
            for (int i = 0; i < (first & 0x7f); i++) n = (n << 8) | (der[at + 2 + i] & 0xff);
            return n;
        }

        private static byte[] length(int n) {
            if (n < 0x80) return new byte[] {(byte) n};
            if (n < 0x100) return new byte[] {(byte) 0x81, (byte) n};
            return new byte[] {(byte) 0x82, (byte) (n >> 8), (byte) n};
        }
    }
}
