package coi.session;

import coi.UsageException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The project directory a session works on. Its identity is the absolute path as given, with
 * symlinks NOT resolved, so that container names match the original coi's.
 */
public record Workspace(Path path) {
    public Workspace {
        path = path.toAbsolutePath().normalize();
    }

    /** The workspace from `--workspace` or the current directory; it must be an existing directory. */
    public static Workspace of(Path given) {
        Workspace ws = new Workspace(given);
        if (!Files.isDirectory(ws.path())) {
            throw new UsageException("workspace " + ws.path() + " does not exist or is not a directory: pass an existing project folder with --workspace");
        }
        return ws;
    }

    /** First 8 hex characters of sha256 of the absolute path. */
    public String hash() {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(path.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 4);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return path.toString();
    }
}
