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
 * Needs root on the host: when coi is not root it asks its root helper, `sudo -n coi __view`
 * (see {@link ViewHelper}; `coi setup` installs the sudoers rule for the Incus admin group).
 */
final class ProtectedView {
    private final List<String> mount = List.of("mount");
    private final List<String> umount = List.of("umount");
    private final List<String> helper;
    private Boolean available;

    private ProtectedView(List<String> helper) {
        this.helper = helper;
    }

    /** Whether this user may make views: root, or sudo runs coi's view helper without a password. */
    synchronized boolean available() {
        if (available == null) available = helper.isEmpty() || allowed(concat(List.of("sudo", "-n", "-l"), helper.subList(2, helper.size()), "remove", "/"));
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
        String launcher = System.getProperty("coi.launcher");
        return new ProtectedView(uid == 0 ? List.of() : List.of("sudo", "-n", launcher == null ? "coi" : launcher, "__view"));
    }

    /** Root only: the helper's side, after {@link ViewHelper} has checked who asks for what. */
    static ProtectedView asRoot() {
        return new ProtectedView(List.of());
    }

    /** Whether a launch with {@code protection} builds a view: read-only paths that coi may lock. */
    static boolean builds(Protection protection) {
        return !protection.readOnly().isEmpty() && protection.locked();
    }

    /** Where the view of {@code container} is mounted: under the sessions folder, never inside a workspace. */
    static Path path(Path sessionsRoot, String container) {
        return sessionsRoot.resolve("views").resolve(container);
    }

    /** Builds the view (anew); a link planted meanwhile on the way to a protected path tears it down and refuses. */
    void build(Path view, Path workspace, Protection protection) {
        if (!helper.isEmpty()) {
            try {
                // made by the user: the helper mounts only onto a view its caller owns
                Files.createDirectories(view);
            } catch (IOException e) {
                throw new CoiException("cannot create " + view + ": " + e.getMessage(), e);
            }
            List<String> args = new ArrayList<>(List.of("build", view.toString(), workspace.toString()));
            for (String rel : protection.pinned()) args.add("pin:" + rel);
            for (String rel : protection.readOnly()) args.add("ro:" + rel);
            run(concat(helper, args));
            return;
        }
        remove(view);
        try {
            view = Files.createDirectories(view).toRealPath();
        } catch (IOException e) {
            throw new CoiException("cannot create " + view + ": " + e.getMessage(), e);
        }
        try {
            Path real = workspace.toRealPath();
            run(concat(mount, List.of("--bind", real.toString(), view.toString())));
            for (String rel : protection.pinned()) bind(real, view, rel);
            for (String rel : protection.readOnly()) {
                bind(real, view, rel);
                run(concat(mount, List.of("-o", "remount,bind,ro", unmoved(view, rel).toString())));
            }
            // resolved again: mount follows links, and an agent of another slot may have planted one since the plan
            for (String rel : protection.readOnly()) WorkspacePath.resolve(workspace, rel);
        } catch (IOException e) {
            remove(view);
            throw new CoiException("cannot protect " + workspace + ": " + e.getMessage(), e);
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
        if (!Files.isDirectory(view) || !mounted(view)) return;
        run(concat(helper.isEmpty() ? umount : helper, helper.isEmpty() ? List.of("--recursive", view.toString()) : List.of("remove", view.toString())));
    }

    /**
     * mount follows links: an agent of another slot of the same workspace may plant one between
     * the plan's check and the mount. Both ends are checked, by their real path, right before
     * each mount; what remains is the window between this check and the mount call itself.
     */
    private void bind(Path workspace, Path view, String rel) {
        run(concat(mount, List.of("--bind", unmoved(workspace, rel).toString(), unmoved(view, rel).toString())));
    }

    private static Path unmoved(Path top, String rel) {
        Path expected = WorkspacePath.resolve(top, rel).orElseThrow(() -> new CoiException(top.resolve(rel) + " vanished while coi protected it"));
        try {
            if (!expected.toRealPath().equals(expected)) throw new CoiException(expected + " moved while coi protected it: refused");
        } catch (IOException e) {
            throw new CoiException("cannot check " + expected + ": " + e.getMessage(), e);
        }
        return expected;
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

    private static void run(List<String> argv) {
        try {
            Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (p.waitFor() != 0) {
                throw new CoiException("protecting the workspace failed: `" + String.join(" ", argv) + "`: " + output
                        + (argv.getFirst().equals("sudo") ? " (coi runs its view helper through `sudo -n`: run `sudo coi setup`"
                        + " to allow it, or list the paths in [security] writable_paths)" : ""));
            }
        } catch (IOException e) {
            throw new CoiException("cannot run " + argv.getFirst() + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CoiException("interrupted while protecting the workspace", e);
        }
    }

    private static List<String> concat(List<String> prefix, List<String> args, String... more) {
        List<String> all = new ArrayList<>(prefix);
        all.addAll(args);
        all.addAll(List.of(more));
        return List.copyOf(all);
    }
}
