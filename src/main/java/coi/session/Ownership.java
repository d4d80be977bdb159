package coi.session;

import java.util.Map;

/**
 * How files keep the right owner both ways between the host user and `code` in the container.
 * Idmapped mounts (shift) work when the host user IS uid 1000; otherwise raw.idmap maps the host
 * user onto uid 1000 for the whole container.
 */
public sealed interface Ownership {
    record Shift() implements Ownership {}

    record RawIdmap(int hostUid, int hostGid, int codeUid) implements Ownership {}

    static Ownership choose(HostFacts facts) {
        if (facts.uid() == facts.codeUid() && facts.gid() == facts.codeUid() && facts.idmappedMounts()) return new Shift();
        return new RawIdmap(facts.uid(), facts.gid(), facts.codeUid());
    }

    default void applyTo(Map<String, String> config) {
        if (this instanceof RawIdmap(int uid, int gid, int code)) {
            config.put("raw.idmap", "uid " + uid + " " + code + "\ngid " + gid + " " + code);
        }
    }

    default Map<String, String> disk(String source, String path, boolean readonly) {
        var disk = new java.util.LinkedHashMap<String, String>();
        disk.put("type", "disk");
        disk.put("source", source);
        disk.put("path", path);
        if (this instanceof Shift) disk.put("shift", "true");
        if (readonly) disk.put("readonly", "true");
        return disk;
    }

    /** (No pattern switch on the session's path: see Tool#command.) */
    default String describe() {
        if (this instanceof Shift) return "shift";
        if (this instanceof RawIdmap r) return "raw.idmap " + r.hostUid() + ":" + r.hostGid() + "->" + r.codeUid();
        throw new IllegalStateException("an ownership without a description: " + getClass().getName());
    }
}
