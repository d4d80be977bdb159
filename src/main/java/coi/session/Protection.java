package coi.session;

import coi.CoiException;
import coi.config.WorkspacePath;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Which workspace paths get which mount (in the {@link ProtectedView}) to keep the agent from
 * changing what the host runs.
 * {@code readOnly}: mounted read-only over themselves. A protected path missing at start gets an
 * empty placeholder (made here, by the user, so the agent cannot create it inside: a folder,
 * or a file where the name has an extension) — the first missing folder on its way stands for
 * everything below it. {@code pinned}: the folders above them, mounted over themselves
 * read-write so that they are mount points, which cannot be renamed or removed: otherwise the
 * agent could move `.git` aside and put a copy with its own hooks in its place.
 * Every path is found without following links (see {@link WorkspacePath}). {@code locked}: the
 * mounts come through a {@link ProtectedView}, which root inside cannot undo; without it (coi
 * is not root and may not run mount through sudo) they are Incus disk devices, read-only for
 * `code` but unmountable by root inside. {@code folder}: the workspace folder's identity when the
 * launch holds its placeholders ({@link Placeholders}), else null.
 */
public record Protection(List<String> readOnly, List<String> pinned, boolean locked, String folder) {
    public static final Protection NONE = new Protection(List.of(), List.of(), true);

    public Protection {
        readOnly = List.copyOf(readOnly);
        pinned = List.copyOf(pinned);
    }

    public Protection(List<String> readOnly, List<String> pinned, boolean locked) {
        this(readOnly, pinned, locked, null);
    }

    /** The same, for a launch that holds the workspace's placeholders: its folder's identity, which its container is labelled with. */
    Protection heldIn(String folderIdentity) {
        return new Protection(readOnly, pinned, locked, folderIdentity);
    }

    /** The read-only paths of a plan, relative to the workspace, as the agent is told about them. */
    static List<String> mountedIn(SessionPlan plan) {
        String list = plan.config().get(Labels.PROTECTED);
        return list == null ? List.of() : List.of(list.split(","));
    }

    /**
     * Looks at the workspace for {@code paths}; with {@code create}, makes the placeholders (the
     * only thing it writes), without (a dry run) only names them.
     */
    public static Protection of(Path workspace, List<String> paths, boolean create, boolean locked) {
        return of(workspace, paths, create, locked, made -> { });
    }

    /** As {@link #of(Path, List, boolean, boolean)}; {@code made} is told each placeholder it creates (see {@link Placeholders}). */
    static Protection of(Path workspace, List<String> paths, boolean create, boolean locked, Consumer<String> made) {
        // every link refused before anything is created
        paths.forEach(rel -> WorkspacePath.resolve(workspace, rel));
        Set<String> readOnly = new LinkedHashSet<>();
        // a worktree's or submodule's `.git` is a file naming the git dir: rewritten, it points git at the agent's hooks
        if (WorkspacePath.resolve(workspace, ".git").filter(Files::isRegularFile).isPresent()) readOnly.add(".git");
        for (String rel : paths) {
            if (covered(rel, readOnly)) continue;
            if (WorkspacePath.resolve(workspace, rel).isPresent()) {
                readOnly.add(rel);
                continue;
            }
            String placeholder = placeholder(workspace, rel, create);
            if (create) made.accept(placeholder);
            readOnly.add(placeholder);
        }
        Set<String> pinned = new LinkedHashSet<>();
        for (String rel : readOnly) {
            for (Path parent = Path.of(rel).getParent(); parent != null; parent = parent.getParent()) {
                if (!readOnly.contains(parent.toString())) pinned.add(parent.toString());
            }
        }
        List<String> pins = new ArrayList<>(pinned);
        pins.sort(null);
        return new Protection(new ArrayList<>(readOnly).stream().filter(r -> !covered(r, without(readOnly, r))).toList(), pins, locked);
    }

    private static Set<String> without(Set<String> all, String one) {
        Set<String> rest = new LinkedHashSet<>(all);
        rest.remove(one);
        return rest;
    }

    /** Whether {@code rel} lies under (or is) one of {@code protectedPaths}. */
    private static boolean covered(String rel, Set<String> protectedPaths) {
        Path p = Path.of(rel);
        return protectedPaths.stream().anyMatch(q -> p.startsWith(Path.of(q)));
    }

    /** What a placeholder file named {@code name} holds: {@code {}} for JSON, else nothing. */
    static byte[] placeholderBytes(String name) {
        return name.endsWith(".json") ? "{}\n".getBytes(StandardCharsets.UTF_8) : new byte[0];
    }

    /** Creates the first missing component of {@code rel} and returns it, relative to the workspace. */
    private static String placeholder(Path workspace, String rel, boolean create) {
        return placeholder(workspace, rel, create, () -> {});
    }

    /** {@code beforeCreate} runs between the look and the create: the moment an agent (of another slot) has. */
    static String placeholder(Path workspace, String rel, boolean create, Runnable beforeCreate) {
        Path current = workspace;
        for (Path part : Path.of(rel)) {
            current = current.resolve(part);
            if (Files.exists(current, LinkOption.NOFOLLOW_LINKS)) continue;
            if (!create) return workspace.relativize(current).toString();
            try {
                boolean last = current.equals(workspace.resolve(rel));
                String name = part.toString();
                beforeCreate.run();
                if (last && name.lastIndexOf('.') > 0) {
                    // a new file or nothing: a link put there since the look is not followed (nor its target
                    // truncated), a FIFO not opened (its open would block the launch)
                    Files.write(current, placeholderBytes(name), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                } else {
                    Files.createDirectory(current);
                }
            } catch (FileAlreadyExistsException e) {
                throw new CoiException(current + " appeared while coi made the placeholder that keeps the agent from creating it"
                        + " (another session's agent?): look at what it is, remove it, and start again", e);
            } catch (IOException e) {
                throw new CoiException("cannot create the placeholder " + current + " that keeps the agent from creating it: "
                        + e.getMessage() + " (make the workspace writable, or list the path in [security] writable_paths)", e);
            }
            return workspace.relativize(current).toString();
        }
        throw new IllegalStateException(rel + " exists");
    }
}
