package coi.setup;

/**
 * /etc/subuid and /etc/subgid as newuidmap reads them for root, the user Incus maps a container's
 * ids as: a container's raw.idmap may map a host id onto `code` only when root has a range that
 * holds it (root's own id 0 it may always map). coi maps the host user onto `code` that way (see
 * coi.session.Ownership), so a user other than root needs a range of one id, uid and gid, of its own.
 */
public final class SubordinateIds {
    private SubordinateIds() {}

    /** A user's uid and gid. */
    public record Ids(int uid, int gid) {}

    /** Whether {@code content} (of /etc/subuid or /etc/subgid) gives root any range: without one, Incus uses its default map. */
    public static boolean rootHasRange(String content) {
        return content.lines().anyMatch(l -> l.startsWith("root:"));
    }

    /** Whether {@code content} (of /etc/subuid or /etc/subgid) gives root a range holding {@code id}. */
    public static boolean delegated(String content, int id) {
        if (id == 0) return true;
        for (String line : content.split("\n")) {
            String[] f = line.trim().split(":");
            if (f.length != 3 || !(f[0].equals("root") || f[0].equals("0"))) continue;
            try {
                long start = Long.parseLong(f[1]), count = Long.parseLong(f[2]);
                if (id >= start && id < start + count) return true;
            } catch (NumberFormatException notARange) {
                // a line newuidmap would not use either
            }
        }
        return false;
    }

    /** The line that gives root the one id {@code id}. */
    public static String line(int id) {
        return "root:" + id + ":1";
    }

    /**
     * What is wrong when the ids {@code uid}:{@code gid} cannot be mapped onto code, given the two
     * files' contents; null when they can.
     */
    public static String missing(String subuid, String subgid, int uid, int gid) {
        boolean u = delegated(subuid, uid), g = delegated(subgid, gid);
        if (u && g) return null;
        String what = !u && !g ? "uid " + uid + " and gid " + gid + " are" : !u ? "uid " + uid + " is" : "gid " + gid + " is";
        return "your " + what + " not delegated to root in " + (!u && !g ? "/etc/subuid and /etc/subgid" : !u ? "/etc/subuid" : "/etc/subgid")
                + ", so Incus cannot map you onto code (raw.idmap): `sudo coi setup` adds " + (u ? "" : line(uid) + " to /etc/subuid")
                + (!u && !g ? " and " : "") + (g ? "" : line(gid) + " to /etc/subgid");
    }
}
