package coi.session;

import coi.AtomicFile;
import coi.CoiException;
import coi.incus.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Saved sessions on the host: `<root>/sessions-<tool>/<id>/metadata.json` and `state/`, the
 * tool's state directory, which is mounted live into the container so it is never behind.
 */
public final class SessionStore {
    private final Path root;

    public SessionStore(Path root) {
        this.root = root;
    }

    public Path root() {
        return root;
    }

    public Path dir(String tool, String id) {
        return root.resolve("sessions-" + tool).resolve(id);
    }

    public Path stateDir(String tool, String id) {
        return dir(tool, id).resolve("state");
    }

    /**
     * Writes metadata.json atomically (temp file + rename), so a crash never leaves half a file.
     * Each writer has its own temp file: the session's coi, `coi shutdown` and the supervisor may
     * all save the same session at the same moment.
     */
    public void save(SessionMetadata metadata) {
        Path dir = dir(metadata.tool(), metadata.sessionId());
        try {
            AtomicFile.write(dir.resolve("metadata.json"), MetadataWriter.bytes(metadata));
        } catch (IOException e) {
            throw new CoiException("cannot save session " + metadata.sessionId() + " in " + dir + ": " + e.getMessage(), e);
        }
    }

    public Optional<SessionMetadata> find(String tool, String id) {
        return read(dir(tool, id).resolve("metadata.json"));
    }

    /** A session of any tool with this id. */
    public Optional<SessionMetadata> find(String id) {
        return all().stream().filter(m -> m.sessionId().equals(id)).findFirst();
    }

    /** The most recently saved session of this tool in this workspace. */
    public Optional<SessionMetadata> newest(String tool, Workspace workspace) {
        return all(tool).stream()
                .filter(m -> workspace.path().toString().equals(m.workspace()))
                .max(Comparator.comparing(SessionMetadata::savedAt));
    }

    public List<SessionMetadata> all(String tool) {
        return list(root.resolve("sessions-" + tool));
    }

    public List<SessionMetadata> all() {
        List<SessionMetadata> out = new ArrayList<>();
        if (!Files.isDirectory(root)) return out;
        try (Stream<Path> dirs = Files.list(root)) {
            dirs.filter(d -> d.getFileName().toString().startsWith("sessions-")).sorted().forEach(d -> out.addAll(list(d)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    public void delete(SessionMetadata metadata) {
        Path dir = dir(metadata.tool(), metadata.sessionId());
        try {
            deleteTree(dir);
        } catch (IOException e) {
            throw new CoiException("cannot delete " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Deletes a session folder and everything in it; a missing folder is no error. */
    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    private static List<SessionMetadata> list(Path toolDir) {
        if (!Files.isDirectory(toolDir)) return List.of();
        try (Stream<Path> dirs = Files.list(toolDir)) {
            return dirs.map(d -> read(d.resolve("metadata.json"))).flatMap(Optional::stream)
                    .sorted(Comparator.comparing(SessionMetadata::savedAt)).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Optional<SessionMetadata> read(Path file) {
        if (!Files.isRegularFile(file)) return Optional.empty();
        try {
            SessionMetadata plain = MetadataReader.plain(file);
            return Optional.of(plain != null ? plain : Json.MAPPER.readValue(file.toFile(), SessionMetadata.class));
        } catch (IOException e) {
            // a damaged metadata file must not hide the other sessions
            System.err.println("coi: warning: skipping unreadable " + file + " (" + e.getMessage().lines().findFirst().orElse("") + ")");
            return Optional.empty();
        }
    }
}
