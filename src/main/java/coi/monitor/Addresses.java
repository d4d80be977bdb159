package coi.monitor;

/** Address facts the detectors need, on the text forms /proc/net gives (after decoding). */
final class Addresses {
    static final String METADATA_V4 = "169.254.169.254";
    static final String METADATA_V6 = "fd00:ec2::254";

    private Addresses() {}

    static boolean loopback(String a) {
        return a.startsWith("127.") || a.equals("::1");
    }

    static boolean unspecified(String a) {
        return a.isEmpty() || a.equals("0.0.0.0") || a.equals("::");
    }

    static boolean metadata(String a) {
        return a.equals(METADATA_V4) || a.equals(METADATA_V6);
    }
}
