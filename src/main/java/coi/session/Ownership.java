package coi.session;

import java.util.Map;

/**
 * How files keep the right owner both ways between the host user and `code` in the container:
 * raw.idmap maps the host user onto code (uid and gid), for the whole container, and its other ids
 * (root's included) stay in the container's unprivileged range. Not shifted (idmapped) mounts,
 * which show the host's ids as they are: root inside (code has passwordless sudo) would make files
 * owned by the host's root in the workspace, a setuid shell among them.
 */
public record Ownership(int hostUid, int hostGid, int codeUid) {
    static Ownership choose(HostFacts facts) {
        return new Ownership(facts.uid(), facts.gid(), facts.codeUid());
    }

    /**
     * The user's ids can be mapped onto code: root holds them in /etc/subuid and /etc/subgid (under
     * {@code etc}), which newuidmap requires. Without them the container's start fails with a bare
     * "forkstart ... exit status 1"; this says what to do instead, before anything is made.
     */
    static void requireMappable(int uid, int gid) {
        requireMappable(uid, gid, java.nio.file.Path.of("/etc"));
    }

    static void requireMappable(int uid, int gid, java.nio.file.Path etc) {
        if (uid == 0 && gid == 0) return;
        String problem = coi.setup.SubordinateIds.missing(read(etc.resolve("subuid")), read(etc.resolve("subgid")), uid, gid);
        if (problem != null) throw new coi.CoiException(problem);
    }

    private static String read(java.nio.file.Path file) {
        try {
            return java.nio.file.Files.readString(file);
        } catch (java.io.IOException | RuntimeException unreadable) {
            return "";
        }
    }

    void applyTo(Map<String, String> config) {
        config.put("raw.idmap", "uid " + hostUid + " " + codeUid + "\ngid " + hostGid + " " + codeUid);
    }

    Map<String, String> disk(String source, String path, boolean readonly) {
        var disk = new java.util.LinkedHashMap<String, String>();
        disk.put("type", "disk");
        disk.put("source", source);
        disk.put("path", path);
        if (readonly) disk.put("readonly", "true");
        return disk;
    }

    String describe() {
        return "raw.idmap " + hostUid + ":" + hostGid + "->" + codeUid;
    }
}
