package coi.session;

import coi.CoiException;
import coi.UsageException;
import coi.config.Config;
import coi.config.Mount;
import coi.incus.Model;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * The host folders a session mounts besides its workspace (`--mount`, `[[mounts]]`, `--storage`).
 * One inside the workspace is the agent's to change: it writes the workspace, and a link it puts
 * there (`cache` -> the user's home) would have Incus mount what the link names into its next
 * session, or into the next start of a persistent container, which Incus mounts afresh from the
 * path. So a source inside the workspace must be reached without a link, at the plan and at each
 * start of a persistent container (a link outside the workspace is the user's own, and followed).
 */
final class MountSources {
    private MountSources() {}

    /** The config's mount and storage sources exist (storage: or can be made) and none inside {@code workspace} is reached through a link. */
    static void require(Config config, Workspace workspace) {
        for (Mount m : config.mounts()) {
            if (!Files.exists(m.host())) {
                throw new UsageException("mount source " + m.host() + " does not exist (for " + m.container()
                        + "): create it, or fix the --mount flag or the [[mounts]] entry in your config");
            }
            throughLink(m.host(), workspace.path()).ifPresent(real -> {
                throw new UsageException(refusal("mount source " + m.host(), real) + ": give the folder's own path in the --mount flag or [[mounts]] entry");
            });
        }
        Path storage = config.paths().storageDir().orElse(null);
        if (storage == null) return;
        throughLink(storage, workspace.path()).ifPresent(real -> {
            throw new UsageException(refusal("storage folder " + storage, real) + ": give the folder's own path in --storage or its setting");
        });
    }

    /**
     * Before persistent container {@code instance} of {@code workspace} is started again: none of
     * its extra folders inside the workspace is now reached through a link the agent made meanwhile.
     */
    static void requireUnchanged(Model.Instance instance, Path workspace) {
        if (instance.devices() == null) return;
        for (Map.Entry<String, Map<String, String>> d : instance.devices().entrySet()) {
            Map<String, String> device = d.getValue();
            // the workspace is the mount's root, which the agent cannot replace
            if (!"disk".equals(device.get("type")) || d.getKey().equals("workspace") || device.get("source") == null) continue;
            throughLink(Path.of(device.get("source")), workspace).ifPresent(real -> {
                throw new CoiException(refusal(instance.name() + "'s folder " + device.get("source") + " (device " + d.getKey() + ")", real)
                        + " now: `coi shutdown " + instance.name() + "` and start a new session, whose plan refuses it too");
            });
        }
    }

    private static String refusal(String what, Path real) {
        return what + " is inside the workspace and reached through a link there (it leads to " + real + "): the agent can"
                + " write the workspace, so coi does not follow a link it may have made";
    }

    /**
     * For {@code source} inside {@code workspace}: where it really leads, when that is not the
     * same place under the workspace's real path (a link on the way); empty otherwise. A source
     * not there yet is judged by its deepest existing folder.
     */
    static Optional<Path> throughLink(Path source, Path workspace) {
        Path lexical = source.toAbsolutePath().normalize();
        Path ws = workspace.toAbsolutePath().normalize();
        Path wsReal = real(ws).orElse(ws);
        Path within;
        if (lexical.startsWith(ws)) within = ws.relativize(lexical);
        else if (lexical.startsWith(wsReal)) within = wsReal.relativize(lexical);
        else return Optional.empty();
        // the deepest part that exists: what is made below it later is made inside it
        Path existing = within;
        while (existing != null && !Files.exists(wsReal.resolve(existing), java.nio.file.LinkOption.NOFOLLOW_LINKS)) existing = existing.getParent();
        Path expected = existing == null ? wsReal : wsReal.resolve(existing);
        Path real = real(expected).orElse(null);
        if (real == null) return Optional.of(expected);
        return real.equals(expected) ? Optional.empty() : Optional.of(real);
    }

    private static Optional<Path> real(Path p) {
        try {
            return Optional.of(p.toRealPath());
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
