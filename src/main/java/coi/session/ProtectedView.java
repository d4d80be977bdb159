package coi.session;

import coi.CoiException;
import coi.config.WorkspacePath;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The workspace as the container gets it when paths are protected: a host-side bind of the
 * workspace with the protected paths bound read-only (and their folders pinned) on top, made
 * just before the container starts and taken down right after. The container's mount namespace
 * receives these mounts as a copy from the host's, so the kernel locks them there: root inside
 * cannot unmount, move or bind around them, in any namespace it makes (Incus disk devices made
 * inside the container, as coi used before, were unmountable by `sudo umount`).
 * Needs root on the host: coi runs mount through `sudo -n` when it is not root.
 */
final class ProtectedView {
    private final List<String> mount;
    private final List<String> umount;
    private final boolean root;
    private Boolean available;

    private ProtectedView(int uid) {
        List<String> sudo = uid == 0 ? List.of() : List.of("sudo", "-n");
        this.mount = concat(sudo, "mount");
        this.umount = concat(sudo, "umount");
        this.root = uid == 0;
    }

    /** Whether this user may make views: root, or sudo allows mount and umount without a password. */
    synchronized boolean available() {
        if (available == null) available = root || allowed(List.of("sudo", "-n", "-l", "mount")) && allowed(List.of("sudo", "-n", "-l", "umount"));
        return available;
    }

    private static boolean allowed(List<String> check) {
        try {
            Process p = new ProcessBuilder(check).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    static ProtectedView onHost(int uid) {
        return new ProtectedView(uid);
    }

    /** Where the view of {@code container} is mounted: under the sessions folder, never inside a workspace. */
    static Path path(Path sessionsRoot, String container) {
        return sessionsRoot.resolve("views").resolve(container);
    }

    /** Builds the view (anew); a link planted meanwhile on the way to a protected path tears it down and refuses. */
    void build(Path view, Path workspace, Protection protection) {
        remove(view);
        try {
            Files.createDirectories(view);
        } catch (IOException e) {
            throw new CoiException("cannot create " + view + ": " + e.getMessage(), e);
        }
        try {
            run(mount, "--bind", workspace.toString(), view.toString());
            for (String rel : protection.pinned()) bind(workspace, view, rel);
            for (String rel : protection.readOnly()) {
                bind(workspace, view, rel);
                run(mount, "-o", "remount,bind,ro", view.resolve(rel).toString());
            }
            // resolved again: mount follows links, and an agent of another slot may have planted one since the plan
            for (String rel : protection.readOnly()) WorkspacePath.resolve(workspace, rel);
        } catch (RuntimeException e) {
            remove(view);
            throw e;
        }
    }

    /**
     * Takes the view down; the running container keeps its own copy of the mounts. The empty
     * folder stays: Incus checks that a disk's source exists whenever the instance's config
     * changes (`coi persist`), and a container started behind coi's back gets an empty workspace,
     * never an unprotected one.
     */
    void remove(Path view) {
        if (Files.isDirectory(view) && mounted(view)) run(umount, "--recursive", view.toString());
    }

    private void bind(Path workspace, Path view, String rel) {
        run(mount, "--bind", workspace.resolve(rel).toString(), view.resolve(rel).toString());
    }

    private static boolean mounted(Path dir) {
        try {
            // mountinfo escapes blanks, tabs, newlines and backslashes in octal
            String target = " " + dir.toRealPath().toString().replace("\\", "\\134").replace(" ", "\\040")
                    .replace("\t", "\\011").replace("\n", "\\012") + " ";
            return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream().anyMatch(l -> l.contains(target));
        } catch (IOException e) {
            throw new CoiException("cannot read /proc/self/mountinfo: " + e.getMessage(), e);
        }
    }

    private static void run(List<String> command, String... args) {
        List<String> argv = new ArrayList<>(command);
        argv.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (p.waitFor() != 0) {
                throw new CoiException("protecting the workspace failed: `" + String.join(" ", argv) + "`: " + output
                        + (command.getFirst().equals("sudo") ? " (coi runs mount through `sudo -n`: allow it in sudoers,"
                        + " or list the paths in [security] writable_paths)" : ""));
            }
        } catch (IOException e) {
            throw new CoiException("cannot run " + argv.getFirst() + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CoiException("interrupted while protecting the workspace", e);
        }
    }

    private static List<String> concat(List<String> prefix, String command) {
        List<String> all = new ArrayList<>(prefix);
        all.add(command);
        return List.copyOf(all);
    }
}
