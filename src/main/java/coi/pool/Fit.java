package coi.pool;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a pool member must have been made with to serve a session: the same image (by
 * fingerprint, so a rebuilt `coi` image is a different fit) and the same fixed part of the
 * instance, the part Incus cannot change while the container runs (security and idmap keys,
 * limits, the root disk). What a claim sets on a running member (coi's labels, the environment,
 * disk devices) is left out of the hash.
 */
public record Fit(String alias, String fingerprint, String hash) {

    /** Config keys a claim sets on the running member, so no part of the fit. */
    public static boolean perSession(String key) {
        return key.startsWith("user.coi.") || key.startsWith("environment.");
    }

    /** The keys of {@code config} that are part of the fit. */
    public static Map<String, String> fixedConfig(Map<String, String> config) {
        Map<String, String> fixed = new TreeMap<>();
        config.forEach((k, v) -> {
            if (!perSession(k)) fixed.put(k, v);
        });
        return fixed;
    }

    /** The devices of a session that are part of the fit: the root disk, when the session sizes it. */
    public static Map<String, Map<String, String>> fixedDevices(Map<String, Map<String, String>> devices) {
        Map<String, Map<String, String>> fixed = new TreeMap<>();
        if (devices.containsKey("root")) fixed.put("root", new TreeMap<>(devices.get("root")));
        return fixed;
    }

    /**
     * How members are made, part of every fit: members made another way age out like those of a rebuilt image. Members
     * made before this line (their NIC had no pinned MAC, so their fence let DHCP through for any client) hash without it.
     */
    static final String MADE = "nic: pinned address and MAC\n";

    public static Fit of(String alias, String fingerprint, Map<String, String> config, Map<String, Map<String, String>> devices) {
        StringBuilder text = new StringBuilder(MADE).append(fingerprint).append('\n');
        fixedConfig(config).forEach((k, v) -> text.append(k).append('=').append(v).append('\n'));
        fixedDevices(devices).forEach((name, d) -> text.append(name).append(new TreeMap<>(d)).append('\n'));
        return new Fit(alias, fingerprint, sha256(text.toString()).substring(0, 16));
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
