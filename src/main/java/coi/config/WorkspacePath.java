package coi.config;

import coi.PlainFile;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A host path under the workspace, found without following any symbolic link. The workspace's
 * content is written by the agent: a link it plants (`.vscode` -> /etc, `.coi.toml` -> a secret)
 * must never lead coi to read, mount or protect something outside the project, and a link
 * inside the project cannot be protected either (the agent can swap it for a real folder), so
 * every link on the way is refused, naming it and never showing what it points at.
 */
public final class WorkspacePath {
    /** A config file is a few KiB; one larger than this is refused unread. */
    public static final int MAX_BYTES = 1 << 20;

    private WorkspacePath() {}

    /**
     * {@code workspace/relative} when no component below the workspace is a link; empty when a
     * component does not exist (then nothing below it exists either).
     */
    public static Optional<Path> resolve(Path workspace, String relative) {
        Path rel = Path.of(relative).normalize();
        if (rel.isAbsolute() || rel.startsWith("..")) throw new ConfigException("'" + relative + "' is not a path inside the workspace");
        Path current = workspace;
        for (Path part : rel) {
            current = current.resolve(part);
            if (Files.isSymbolicLink(current)) throw linkRefused(current);
            if (!Files.exists(current, LinkOption.NOFOLLOW_LINKS)) return Optional.empty();
        }
        return Optional.of(current);
    }

    private static ConfigException linkRefused(Path link) {
        return new ConfigException(link + " is a symbolic link: coi does not follow links in the workspace for config or"
                + " protected paths (the agent may have planted it); remove it, or replace it with the real file or folder");
    }

    /**
     * The bytes of a plain file under the workspace, read without following a link; empty when it
     * does not exist. Anything but a plain file of at most {@link #MAX_BYTES} is refused unread: a
     * FIFO would block its reader for as long as the agent likes (the background process's pool
     * keeper among them), a huge file would fill the memory of the reader. What is checked is what
     * was opened ({@link PlainFile}): the agent can swap the file for a FIFO after any check made
     * before the open.
     */
    public static Optional<byte[]> read(Path workspace, String relative) {
        return read(workspace, relative, () -> {});
    }

    /** {@link #read(Path, String)} with {@code beforeOpen} run between the walk to the file and its open (the agent's moment). */
    static Optional<byte[]> read(Path workspace, String relative, Runnable beforeOpen) {
        Optional<Path> file = resolve(workspace, relative);
        if (file.isEmpty()) return Optional.empty();
        beforeOpen.run();
        // instanceof, not a pattern switch: a switch's first run spins a class of its own (18-27 ms of a fresh JVM, which the
        // AOT cache does not keep), on the path of every launch in a workspace with a .coi.toml
        PlainFile.Outcome read = PlainFile.read(file.get(), MAX_BYTES);
        if (read instanceof PlainFile.Content content) return Optional.of(content.bytes());
        if (read instanceof PlainFile.Absent) return Optional.empty();
        if (read instanceof PlainFile.Link) throw linkRefused(file.get());
        if (read instanceof PlainFile.NotPlain notPlain) {
            throw new ConfigException(file.get() + " is not a plain file but a " + notPlain.kind()
                    + ": coi reads workspace config only from plain files (the agent may have put a FIFO, device or folder there);"
                    + " replace it with a file, or remove it");
        }
        if (read instanceof PlainFile.TooLarge) throw tooLarge(file.get());
        if (read instanceof PlainFile.Failed failed) {
            throw new ConfigException("cannot read " + file.get() + ": " + failed.why() + ": it must be a plain file coi's user can read");
        }
        throw new IllegalStateException("unknown outcome " + read);
    }

    private static ConfigException tooLarge(Path file) {
        return new ConfigException(file + " is larger than " + (MAX_BYTES >> 20) + " MiB: coi does not read a workspace config that big;"
                + " shorten it, or remove it");
    }
}
