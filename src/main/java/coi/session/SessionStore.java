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

    /**
     * Changes a saved session's metadata as it reads now, under the session's lock ({@code metadata.lock} in its
     * folder): coi's end of a session, the supervisor's end on a stop event and its monitor marking the session as
     * stopped by it may come at the same moment, and a read before another's save then a save after it would undo
     * that save (CI once lost the monitor's "stopped by" so). {@code change} returns the metadata to save, or the
     * same instance to leave the file as it is. Nothing happens to a session that has no metadata (never saved, or
     * deleted meanwhile). Returns what the file holds after.
     */
    public Optional<SessionMetadata> update(String tool, String id, java.util.function.UnaryOperator<SessionMetadata> change) {
        Optional<NameLock> held = NameLock.holdFile(dir(tool, id).resolve("metadata.lock"));
        if (held.isEmpty()) return Optional.empty();
        try (NameLock lock = held.get()) {
            Optional<SessionMetadata> now = find(tool, id);
            if (now.isEmpty()) return now;
            SessionMetadata changed = change.apply(now.get());
            if (changed != now.get()) save(changed);
            return Optional.of(changed);
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
                .max(BY_SAVED);
    }

    /**
     * Oldest first; a session without a time (written by an older coi) counts as the oldest. A plain
     * method, not Comparator.comparing: this class is made by every command that reaches sessions
     * (`coi list` too), and the JDK's combinators spin their lambdas at run time (the AOT cache keeps
     * none of them), several milliseconds of a fresh JVM.
     */
    private static final Comparator<SessionMetadata> BY_SAVED = SessionStore::bySaved;

    private static int bySaved(SessionMetadata a, SessionMetadata b) {
        if (a.savedAt() == null) return b.savedAt() == null ? 0 : -1;
        return b.savedAt() == null ? 1 : a.savedAt().compareTo(b.savedAt());
    }

    /** Files already said to be unreadable: a command reads the store several times, the warning is given once. */
    private static final java.util.Set<Path> WARNED = java.util.concurrent.ConcurrentHashMap.newKeySet();

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

    /**
     * Deletes a session folder and everything in it; a missing folder is no error. Walked again once when a file
     * came in meanwhile (an {@link #update}'s lock file, made as the walk went on).
     */
    static void deleteTree(Path dir) throws IOException {
        for (int attempt = 0; ; attempt++) {
            if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) return;
            try (Stream<Path> walk = Files.walk(dir)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
                return;
            } catch (java.nio.file.DirectoryNotEmptyException e) {
                if (attempt > 0) throw e;
            }
        }
    }

    private static List<SessionMetadata> list(Path toolDir) {
        if (!Files.isDirectory(toolDir)) return List.of();
        try (Stream<Path> dirs = Files.list(toolDir)) {
            return dirs.map(d -> read(d.resolve("metadata.json"))).flatMap(Optional::stream)
                    .sorted(BY_SAVED).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Optional<SessionMetadata> read(Path file) {
        if (!Files.isRegularFile(file)) return Optional.empty();
        try {
            SessionMetadata plain = MetadataReader.plain(file);
            return Optional.of(placed(plain != null ? plain : Json.MAPPER.readValue(file.toFile(), SessionMetadata.class), file));
        } catch (IOException e) {
            // a damaged metadata file must not hide the other sessions
            if (WARNED.add(file)) {
                System.err.println("coi: warning: skipping unreadable " + file + " (" + e.getMessage().lines().findFirst().orElse("") + ")");
            }
            return Optional.empty();
        }
    }

    /**
     * The session's id and tool as its place says (`sessions-<tool>/<id>/metadata.json`) where
     * the file leaves them out: the Go original's metadata has no tool, and the folders are where
     * resuming, listing and deleting look.
     */
    private static SessionMetadata placed(SessionMetadata m, Path file) {
        Path dir = file.getParent();
        Path toolDir = dir.getParent();
        String folder = toolDir == null ? "" : toolDir.getFileName().toString();
        String tool = m.tool() != null || !folder.startsWith("sessions-") ? m.tool() : folder.substring("sessions-".length());
        String id = m.sessionId() != null ? m.sessionId() : dir.getFileName().toString();
        if (tool == m.tool() && id == m.sessionId()) return m;
        return new SessionMetadata(id, m.containerName(), tool, m.persistent(), m.workspace(), m.savedAt(), m.createdAt(), m.slot(),
                m.image(), m.status(), m.stoppedBy());
    }
}
