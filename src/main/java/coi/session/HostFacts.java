package coi.session;

import coi.network.BridgeFacts;
import java.net.Inet4Address;
import java.util.Set;

/**
 * What the planner needs to know about the host, gathered once by the caller. {@code bridge} is
 * null when no fence is needed (network mode open); {@code sshAgent} is the host's agent socket
 * when `--ssh-agent` asked for it to be forwarded, else null; {@code protection} says which
 * workspace paths are mounted read-only or pinned inside (see {@link Protection}).
 */
public record HostFacts(int uid, int gid, int codeUid, String prefix, Set<String> existingContainers,
                        BridgeFacts bridge, Set<Inet4Address> takenAddresses, java.nio.file.Path sshAgent,
                        Protection protection) {
    public HostFacts {
        existingContainers = Set.copyOf(existingContainers);
        takenAddresses = Set.copyOf(takenAddresses);
    }

    public HostFacts(int uid, int gid, int codeUid, String prefix, Set<String> existingContainers,
                     BridgeFacts bridge, Set<Inet4Address> takenAddresses, java.nio.file.Path sshAgent) {
        this(uid, gid, codeUid, prefix, existingContainers, bridge, takenAddresses, sshAgent, Protection.NONE);
    }

    public HostFacts(int uid, int gid, int codeUid, String prefix, Set<String> existingContainers) {
        this(uid, gid, codeUid, prefix, existingContainers, null, Set.of(), null);
    }

    public HostFacts withExisting(Set<String> more) {
        Set<String> all = new java.util.HashSet<>(existingContainers);
        all.addAll(more);
        return new HostFacts(uid, gid, codeUid, prefix, all, bridge, takenAddresses, sshAgent, protection);
    }

    public HostFacts withTaken(Set<Inet4Address> more) {
        Set<Inet4Address> all = new java.util.HashSet<>(takenAddresses);
        all.addAll(more);
        return new HostFacts(uid, gid, codeUid, prefix, existingContainers, bridge, all, sshAgent, protection);
    }
}
