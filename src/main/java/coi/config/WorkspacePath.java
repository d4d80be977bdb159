package coi.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
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
     * does not exist. Anything but a plain file of at most {@link #MAX_BYTES} is refused before it
     * is opened: a FIFO would block its reader for as long as the agent likes (the background
     * process's pool keeper among them), a huge file would fill the memory of the reader.
     */
    public static Optional<byte[]> read(Path workspace, String relative) {
        Optional<Path> file = resolve(workspace, relative);
        if (file.isEmpty()) return Optional.empty();
        try {
            BasicFileAttributes attributes = Files.readAttributes(file.get(), BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (!attributes.isRegularFile()) {
                throw new ConfigException(file.get() + " is not a plain file: coi reads workspace config only from plain files"
                        + " (the agent may have put a FIFO, device or folder there); replace it with a file, or remove it");
            }
            if (attributes.size() > MAX_BYTES) throw tooLarge(file.get());
            // NOFOLLOW on the last step too, should the file have become a link since the check
            try (var in = Files.newInputStream(file.get(), LinkOption.NOFOLLOW_LINKS)) {
                byte[] content = in.readNBytes(MAX_BYTES + 1);
                if (content.length > MAX_BYTES) throw tooLarge(file.get());
                return Optional.of(content);
            }
        } catch (IOException e) {
            throw new ConfigException("cannot read " + file.get() + ": " + e.getClass().getSimpleName(), e);
        }
    }

    private static ConfigException tooLarge(Path file) {
        return new ConfigException(file + " is larger than " + (MAX_BYTES >> 20) + " MiB: coi does not read a workspace config that big;"
                + " shorten it, or remove it");
    }
}
