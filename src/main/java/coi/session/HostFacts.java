package coi.session;

import java.util.Set;

/** What the planner needs to know about the host, gathered once by the caller. */
public record HostFacts(int uid, int gid, boolean idmappedMounts, int codeUid, String prefix, Set<String> existingContainers) {
    public HostFacts {
        existingContainers = Set.copyOf(existingContainers);
    }
}
