package coi.incus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPrivateKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** TlsTransport.Pem: the client keys incus (SEC1 "EC PRIVATE KEY") and openssl (PKCS#8) write. */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class PemTest {
    private static final byte[] P256_OID = HexFormat.of().parseHex("06082a8648ce3d030107");
    private static final byte[] P384_OID = HexFormat.of().parseHex("06052b81040022");

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"prime256v1", "secp384r1"})
    void opensslsSec1AndPkcs8FilesGiveTheSameKey(String curve) throws Exception {
        Path sec1 = dir.resolve("client.key"), pkcs8 = dir.resolve("client-pkcs8.key"), pub = dir.resolve("client.pub");
        openssl("ecparam", "-name", curve, "-genkey", "-noout", "-out", sec1.toString());
        openssl("pkcs8", "-topk8", "-nocrypt", "-in", sec1.toString(), "-out", pkcs8.toString());
        openssl("ec", "-in", sec1.toString(), "-pubout", "-out", pub.toString());
        assertThat(Files.readString(sec1)).startsWith("-----BEGIN EC PRIVATE KEY-----");
        assertThat(Files.readString(pkcs8)).startsWith("-----BEGIN PRIVATE KEY-----");

        ECPrivateKey fromSec1 = (ECPrivateKey) TlsTransport.Pem.privateKey(Files.readString(sec1));
        ECPrivateKey fromPkcs8 = (ECPrivateKey) TlsTransport.Pem.privateKey(Files.readString(pkcs8));

        assertThat(fromSec1.getS()).isEqualTo(fromPkcs8.getS());
        assertSameCurve(fromSec1.getParams(), fromPkcs8.getParams());
        PublicKey publicKey = KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(der(Files.readString(pub), "PUBLIC KEY")));
        assertSigns(fromSec1, publicKey);
        assertSigns(fromPkcs8, publicKey);
    }

    @Test
    void readsAJavaGeneratedKeyInBothEncodings() throws Exception {
        KeyPair pair = ecKeyPair("secp384r1");
        ECPrivateKey original = (ECPrivateKey) pair.getPrivate();

        PrivateKey pkcs8 = TlsTransport.Pem.privateKey(pem("PRIVATE KEY", original.getEncoded()));
        PrivateKey sec1 = TlsTransport.Pem.privateKey(pem("EC PRIVATE KEY", sec1(original.getS(), 48, P384_OID, (ECPublicKey) pair.getPublic())));

        assertThat(((ECPrivateKey) pkcs8).getS()).isEqualTo(original.getS());
        assertThat(((ECPrivateKey) sec1).getS()).isEqualTo(original.getS());
        assertSameCurve(((ECPrivateKey) sec1).getParams(), original.getParams());
        assertSigns(sec1, pair.getPublic());
    }

    @Test
    void readsASec1KeyWithoutItsOptionalPublicKey() throws Exception {
        ECPrivateKey original = (ECPrivateKey) ecKeyPair("secp256r1").getPrivate();

        PrivateKey key = TlsTransport.Pem.privateKey(pem("EC PRIVATE KEY", sec1(original.getS(), 32, P256_OID, null)));

        assertThat(((ECPrivateKey) key).getS()).isEqualTo(original.getS());
        assertSameCurve(((ECPrivateKey) key).getParams(), original.getParams());
    }

    @Test
    void findsTheCurveEvenWhenTheSecretLooksLikeACurveTag() throws Exception {
        // bytes a0 xx 06 inside the secret must not be taken for the [0] parameters that follow it
        BigInteger s = new BigInteger("11a0030601" + "2a".repeat(27), 16);
        ECParameterSpec p256 = ((ECPrivateKey) ecKeyPair("secp256r1").getPrivate()).getParams();
        PrivateKey expected = KeyFactory.getInstance("EC").generatePrivate(new ECPrivateKeySpec(s, p256));

        PrivateKey key = TlsTransport.Pem.privateKey(pem("EC PRIVATE KEY", sec1(s, 32, P256_OID, null)));

        assertThat(((ECPrivateKey) key).getS()).isEqualTo(((ECPrivateKey) expected).getS());
        assertSameCurve(((ECPrivateKey) key).getParams(), p256);
    }

    @Test
    void readsAnRsaPkcs8Key() throws Exception {
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        KeyPair pair = rsa.generateKeyPair();

        PrivateKey key = TlsTransport.Pem.privateKey(pem("PRIVATE KEY", pair.getPrivate().getEncoded()));

        assertThat(key.getAlgorithm()).isEqualTo("RSA");
        assertThat(key.getEncoded()).isEqualTo(pair.getPrivate().getEncoded());
    }

    @Test
    void refusesAFormatItCannotRead() {
        assertThatThrownBy(() -> TlsTransport.Pem.privateKey(pem("RSA PRIVATE KEY", new byte[] {0x30, 0x00})))
                .isInstanceOf(GeneralSecurityException.class)
                .hasMessageContaining("PKCS#8");
    }

    // ---------------------------------------------------------------- helpers

    private static KeyPair ecKeyPair(String curve) throws GeneralSecurityException {
        KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
        ec.initialize(new ECGenParameterSpec(curve));
        return ec.generateKeyPair();
    }

    /** RFC 5915 ECPrivateKey: SEQUENCE { 1, OCTET STRING d, [0] curve OID, [1] BIT STRING point (optional) }. */
    private static byte[] sec1(BigInteger s, int size, byte[] curveOid, ECPublicKey publicKey) {
        byte[] d = unsigned(s, size);
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(new byte[] {0x02, 0x01, 0x01});
        body.writeBytes(tlv(0x04, d));
        body.writeBytes(tlv(0xa0, curveOid));
        if (publicKey != null) {
            byte[] x = unsigned(publicKey.getW().getAffineX(), size), y = unsigned(publicKey.getW().getAffineY(), size);
            ByteArrayOutputStream point = new ByteArrayOutputStream();
            point.writeBytes(new byte[] {0x00, 0x04});
            point.writeBytes(x);
            point.writeBytes(y);
            body.writeBytes(tlv(0xa1, tlv(0x03, point.toByteArray())));
        }
        return tlv(0x30, body.toByteArray());
    }

    private static byte[] unsigned(BigInteger n, int size) {
        byte[] raw = n.toByteArray(), out = new byte[size];
        int copy = Math.min(raw.length, size);
        System.arraycopy(raw, raw.length - copy, out, size - copy, copy);
        return out;
    }

    private static byte[] tlv(int tag, byte[] value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(tag);
        if (value.length >= 0x80) out.write(0x81);
        out.write(value.length);
        out.writeBytes(value);
        return out.toByteArray();
    }

    private static String pem(String label, byte[] der) {
        return "-----BEGIN " + label + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + label + "-----\n";
    }

    private static byte[] der(String pem, String label) {
        String b64 = pem.replace("-----BEGIN " + label + "-----", "").replace("-----END " + label + "-----", "");
        return Base64.getMimeDecoder().decode(b64);
    }

    private static void assertSameCurve(ECParameterSpec actual, ECParameterSpec expected) {
        assertThat(actual.getCurve()).isEqualTo(expected.getCurve());
        assertThat(actual.getGenerator()).isEqualTo(expected.getGenerator());
        assertThat(actual.getOrder()).isEqualTo(expected.getOrder());
    }

    private static void assertSigns(PrivateKey key, PublicKey publicKey) throws GeneralSecurityException {
        byte[] data = "coi".getBytes(StandardCharsets.UTF_8);
        Signature signer = Signature.getInstance("SHA256withECDSA");
        signer.initSign(key);
        signer.update(data);
        byte[] signature = signer.sign();
        Signature verifier = Signature.getInstance("SHA256withECDSA");
        verifier.initVerify(publicKey);
        verifier.update(data);
        assertThat(verifier.verify(signature)).as("a signature by the parsed key verifies with the public key").isTrue();
    }

    static void openssl(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("openssl %s: %s", String.join(" ", args), output).isZero();
    }
}
