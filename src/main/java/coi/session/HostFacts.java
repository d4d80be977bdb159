package coi.session;

import coi.network.BridgeFacts;
import java.net.Inet4Address;
import java.util.Set;

/**
 * What the planner needs to know about the host, gathered once by the caller. {@code bridge} is
 * null when no fence is needed (network mode open); {@code sshAgent} is the host's agent socket
 * when `--ssh-agent` asked for it to be forwarded, else null; {@code protectedPaths} are the
 * workspace-relative paths that exist and must be read-only inside (see {@link Planner#PROTECTED}).
 */
public record HostFacts(int uid, int gid, boolean idmappedMounts, int codeUid, String prefix, Set<String> existingContainers,
                        BridgeFacts bridge, Set<Inet4Address> takenAddresses, java.nio.file.Path sshAgent,
                        java.util.List<String> protectedPaths) {
    public HostFacts {
        existingContainers = Set.copyOf(existingContainers);
        takenAddresses = Set.copyOf(takenAddresses);
        protectedPaths = java.util.List.copyOf(protectedPaths);
    }

    public HostFacts(int uid, int gid, boolean idmappedMounts, int codeUid, String prefix, Set<String> existingContainers,
                     BridgeFacts bridge, Set<Inet4Address> takenAddresses, java.nio.file.Path sshAgent) {
        this(uid, gid, idmappedMounts, codeUid, prefix, existingContainers, bridge, takenAddresses, sshAgent, java.util.List.of());
    }

    public HostFacts(int uid, int gid, boolean idmappedMounts, int codeUid, String prefix, Set<String> existingContainers) {
        this(uid, gid, idmappedMounts, codeUid, prefix, existingContainers, null, Set.of(), null);
    }

    public HostFacts withExisting(Set<String> more) {
        Set<String> all = new java.util.HashSet<>(existingContainers);
        all.addAll(more);
        return new HostFacts(uid, gid, idmappedMounts, codeUid, prefix, all, bridge, takenAddresses, sshAgent, protectedPaths);
    }

    public HostFacts withTaken(Set<Inet4Address> more) {
        Set<Inet4Address> all = new java.util.HashSet<>(takenAddresses);
        all.addAll(more);
        return new HostFacts(uid, gid, idmappedMounts, codeUid, prefix, existingContainers, bridge, all, sshAgent, protectedPaths);
    }
}
