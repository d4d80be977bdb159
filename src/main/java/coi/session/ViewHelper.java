package coi.session;

import coi.CoiException;
import coi.UsageException;
import coi.config.WorkspacePath;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The root side of `coi __view`, run through `sudo -n` by a non-root member of the Incus admin
 * group (the sudoers rule `coi setup` writes names exactly `coi __view`). It mounts only inside
 * a view the invoking user (SUDO_UID) owns, from a workspace that user owns, along paths with no
 * link on the way: it lets that user put read-only binds of their own files over their own
 * files, nothing more. Incus admin membership is root-equivalent anyway; the helper keeps the
 * rule from being a general `sudo mount`.
 */
public final class ViewHelper {
    private ViewHelper() {}

    /** `build VIEW WORKSPACE [pin:REL|ro:REL]...` or `remove VIEW`, checked for the user {@code uid}. */
    public static void run(List<String> args, int uid) {
        if (args.size() < 2) throw new UsageException("usage: coi __view build VIEW WORKSPACE [pin:REL|ro:REL]... | remove VIEW");
        Path view = owned(Path.of(args.get(1)), uid, "view");
        if (!view.getParent().getFileName().toString().equals("views") || !view.getFileName().toString().matches("[A-Za-z0-9][A-Za-z0-9-]*")) {
            throw new UsageException(view + " is not a coi view (<sessions>/views/<container>)");
        }
        owned(view.getParent(), uid, "views folder");
        switch (args.getFirst()) {
            case "remove" -> {
                if (args.size() != 2) throw new UsageException("usage: coi __view remove VIEW");
                ProtectedView.asRoot().remove(view);
            }
            case "build" -> {
                if (args.size() < 3) throw new UsageException("usage: coi __view build VIEW WORKSPACE [pin:REL|ro:REL]...");
                Path workspace = owned(Path.of(args.get(2)), uid, "workspace");
                List<String> pinned = new ArrayList<>(), readOnly = new ArrayList<>();
                for (String arg : args.subList(3, args.size())) {
                    String rel = arg.substring(arg.indexOf(':') + 1);
                    WorkspacePath.resolve(workspace, rel);
                    if (arg.startsWith("pin:")) pinned.add(rel);
                    else if (arg.startsWith("ro:")) readOnly.add(rel);
                    else throw new UsageException("'" + arg + "' is neither pin:REL nor ro:REL");
                }
                ProtectedView.asRoot().build(view, workspace, new Protection(readOnly, pinned, true));
            }
            default -> throw new UsageException("unknown view action '" + args.getFirst() + "' (build or remove)");
        }
    }

    /** {@code path}: absolute, no link anywhere on it, a folder owned by {@code uid}. */
    private static Path owned(Path path, int uid, String what) {
        try {
            if (!path.isAbsolute() || !path.toRealPath().equals(path)) throw new UsageException("the " + what + " " + path + " is not an absolute path free of links");
            if (!Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) throw new UsageException("the " + what + " " + path + " is not a folder");
            if ((int) Files.getAttribute(path, "unix:uid", LinkOption.NOFOLLOW_LINKS) != uid) {
                throw new UsageException("the " + what + " " + path + " does not belong to uid " + uid);
            }
            return path;
        } catch (java.nio.file.NoSuchFileException e) {
            throw new UsageException("the " + what + " " + path + " does not exist");
        } catch (IOException e) {
            throw new CoiException("cannot check " + path + ": " + e.getMessage(), e);
        }
    }
}
