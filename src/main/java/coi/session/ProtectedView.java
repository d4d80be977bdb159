package coi.session;

import coi.CoiException;
import coi.config.WorkspacePath;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The workspace as the container gets it when paths are protected: a host-side bind of the
 * workspace with the protected paths bound read-only (and their folders pinned) on top, made
 * just before the container starts and taken down right after. The container's mount namespace
 * receives these mounts as a copy from the host's, so the kernel locks them there: root inside
 * cannot unmount, move or bind around them, in any namespace it makes (Incus disk devices made
 * inside the container, as coi used before, were unmountable by `sudo umount`).
 * Needs root on the host: when coi is not root it asks its root helper, `sudo -n coi __view`
 * (see {@link ViewHelper}; `coi setup` installs the sudoers rule for the Incus admin group).
 * A launch holds the view's lock ({@link #lock}) from making its folder until it takes the view
 * down, so a view that is mounted while nobody holds its lock outlived a killed coi: {@link ViewSweep}
 * takes those down.
 */
final class ProtectedView {
    /** Stacked views (a launch whose earlier view was never taken down) are taken down one by one, this many at most. */
    private static final int MAX_STACKED = 16;
    private final List<String> mount = List.of("mount");
    private final List<String> helper;
    /** Whether this is the launching coi's side (it holds views' locks), not the root helper's. */
    private final boolean launching;
    private final Map<Path, NameLock> held = new ConcurrentHashMap<>();
    private final ViewlessStart.Boot boot = ViewlessStart.local();
    private Boolean available;

    private ProtectedView(List<String> helper, boolean launching) {
        this.helper = helper;
        this.launching = launching;
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
        return new ProtectedView(uid == 0 ? List.of() : List.of("sudo", "-n", launcher == null ? "coi" : launcher, "__view"), true);
    }

    /** Root only: the helper's side, after {@link ViewHelper} has checked who asks for what. */
    static ProtectedView asRoot() {
        return new ProtectedView(List.of(), false);
    }

    /** Whether a launch with {@code protection} builds a view: read-only paths that coi may lock. */
    static boolean builds(Protection protection) {
        return !protection.readOnly().isEmpty() && protection.locked();
    }

    /** Where the view of {@code container} is mounted: under the sessions folder, never inside a workspace. */
    static Path path(Path sessionsRoot, String container) {
        return sessionsRoot.resolve("views").resolve(container);
    }

    /**
     * The lock a launch holds while its view may be mounted ({@code locks/<container>.view.lock}:
     * Incus names have no dot, so it never meets a container's {@link NameLock}); empty when another
     * process holds it.
     */
    static Optional<NameLock> lock(Path view, boolean wait) {
        Path sessionsRoot = view.getParent().getParent();
        String name = view.getFileName() + ".view";
        return wait ? Optional.of(NameLock.hold(sessionsRoot, name)) : NameLock.tryHold(sessionsRoot, name);
    }

    /** Takes the view's lock for this launch, until {@link #remove}, and makes its (empty) folder: Incus wants a disk's source to exist. */
    void prepare(Path view) {
        if (launching) held.computeIfAbsent(view, v -> lock(v, true).orElseThrow());
        try {
            Files.createDirectories(view);
        } catch (IOException e) {
            throw new CoiException("cannot create " + view + ": " + e.getMessage(), e);
        }
    }

    /** Builds the view (anew); a link planted meanwhile on the way to a protected path tears it down and refuses. */
    void build(Path view, Path workspace, Protection protection) {
        try {
            mountView(view, workspace, protection);
        } catch (RuntimeException e) {
            remove(view);
            throw e;
        }
    }

    private void mountView(Path view, Path workspace, Protection protection) {
        if (!helper.isEmpty()) {
            // made by the user: the helper mounts only onto a view its caller owns
            prepare(view);
            List<String> args = new ArrayList<>(List.of("build", view.toString(), workspace.toString()));
            for (String rel : protection.pinned()) args.add("pin:" + rel);
            for (String rel : protection.readOnly()) args.add("ro:" + rel);
            run(concat(helper, args));
            return;
        }
        takeDown(view);
        prepare(view);
        try {
            view = view.toRealPath();
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
            throw new CoiException("cannot protect " + workspace + ": " + e.getMessage(), e);
        }
    }

    /**
     * Takes the view down; the running container keeps its own copy of the mounts. The empty
     * folder stays: Incus checks that a disk's source exists whenever the instance's config
     * changes (`coi persist`), and a container started behind coi's back gets an empty workspace,
     * never an unprotected one (which {@link ViewlessStart} tells apart by the note taken here first).
     * Releases this launch's lock of the view.
     */
    void remove(Path view) {
        try {
            if (launching && Files.isDirectory(view, LinkOption.NOFOLLOW_LINKS)) ViewlessStart.noteTakenDown(view, boot);
            takeDown(view);
        } finally {
            NameLock lock = held.remove(view);
            if (lock != null) lock.close();
        }
    }

    /**
     * Unmounts the view with everything mounted under it. A lazy unmount of the view's own mount
     * point detaches its whole tree at once, so nothing below it is looked up by path: the mount
     * points below mirror workspace paths, where an agent may have renamed a folder and planted a
     * link in its place (`umount --recursive` unmounts each submount by its path).
     */
    private void takeDown(Path view) {
        for (int i = 0; i < MAX_STACKED && Files.isDirectory(view, LinkOption.NOFOLLOW_LINKS) && mounted(view); i++) {
            run(helper.isEmpty() ? List.of("umount", "--lazy", view.toString()) : concat(helper, List.of("remove", view.toString())));
        }
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

    /** Whether something is mounted on {@code dir} (a folder that exists). */
    static boolean mounted(Path dir) {
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
