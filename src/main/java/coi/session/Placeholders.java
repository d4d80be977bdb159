package coi.session;

import coi.CoiException;
import coi.config.ConfigException;
import coi.config.WorkspacePath;
import coi.incus.Model;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * The empty placeholders a launch makes in a workspace for the protected paths it lacks (see
 * {@link Protection}), taken away again once no container of the workspace is left, so that a
 * session leaves the workspace as it found it (`git status` of the user's repository lists no
 * `.mcp.json` or `lefthook.yml` coi made).
 *
 * <p>A placeholder must stay while any container of the workspace may mount it: unlinking a
 * mount point on the host detaches the mounts over it in every other mount namespace (Linux 3.18
 * on), the container's read-only one included, which would lift the protection. So:
 * <ul>
 * <li>a launch holds the workspace's lock ({@code locks/placeholders-<key>.lock}, byte 0) shared
 *     from before it makes or relies on placeholders until its process exits: by then its
 *     container exists, labelled with the workspace;</li>
 * <li>a sweep takes that lock exclusive without waiting (a launch in progress: nothing is taken
 *     away), then lists the daemon's instances, and removes placeholders only when no instance of
 *     any state is labelled with the workspace; a daemon that cannot be asked removes nothing.</li>
 * </ul>
 * What coi made is recorded ({@code placeholders/<key>.tsv}, in coi's folder, which the agent
 * cannot reach) with each file's identity when made; only what is still exactly that is removed:
 * the same file (device and inode, found without following a link), a folder still empty, a file
 * still empty or {@code {}}. Anything the user changed or put there is left. Sweeps run in the
 * background process as it lists containers and as it exits, in the helper that ends a `coi run`
 * ({@link Reaper}), and in `coi clean`.
 */
public final class Placeholders {
    private static final String FOLDER = "placeholders";
    private static final String HEADER = "# coi: placeholders made in a workspace for its protected paths, removed once no container of it is left";
    private static final String WORKSPACE = "workspace\t";
    /** Locks this process holds shared for its launches, by lock file: kept until the process exits. */
    private static final Map<Path, FileChannel> HELD = new ConcurrentHashMap<>();

    private Placeholders() {}

    /** One placeholder: relative to the workspace, a folder or a file, and its file's identity when made. */
    record Made(String rel, boolean folder, String identity) {}

    /**
     * Before a launch looks at the protected paths of {@code workspace}: no sweep removes a
     * placeholder from here until this process exits. Waits while a sweep runs (a moment).
     */
    static synchronized void hold(Path root, Path workspace) {
        Path file = lockFile(root, workspace);
        HELD.computeIfAbsent(file, f -> {
            try {
                Files.createDirectories(f.getParent());
                FileChannel channel = FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
                channel.lock(0, 1, true);
                return channel;
            } catch (IOException e) {
                throw new CoiException("cannot lock " + f + ": " + e.getMessage(), e);
            }
        });
    }

    /** Records {@code made} (relative paths a launch just created in {@code workspace}, which it {@link #hold}s). */
    static void record(Path root, Path workspace, List<String> made) {
        if (made.isEmpty()) return;
        FileChannel channel = HELD.get(lockFile(root, workspace));
        if (channel == null) throw new IllegalStateException("placeholders recorded without the workspace's lock");
        List<Made> entries = identities(workspace, made);
        synchronized (Placeholders.class) {
            try (FileLock edit = channel.lock(1, 1, false)) {
                Path file = recordFile(root, workspace);
                Files.createDirectories(file.getParent());
                List<Made> all = new ArrayList<>(read(file).map(Entries::made).orElse(List.of()));
                all.addAll(entries);
                write(file, workspace, all);
            } catch (IOException e) {
                // unrecorded placeholders stay, as they did before coi removed any
                System.err.println("coi: warning: cannot record the placeholders made in " + workspace + " (" + e.getMessage()
                        + "): they stay after the session");
            }
        }
    }

    /** {@code made} as they are now, each with its file's identity. */
    static List<Made> identities(Path workspace, List<String> made) {
        List<Made> entries = new ArrayList<>();
        for (String rel : made) {
            try {
                BasicFileAttributes a = Files.readAttributes(workspace.resolve(rel), BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                entries.add(new Made(rel, a.isDirectory(), String.valueOf(a.fileKey())));
            } catch (IOException e) {
                // gone already (another session's agent?): nothing of coi's to remove there
            }
        }
        return entries;
    }

    /** Lets go of {@link #hold}, as the end of this process does (the tests stand in for that end with it). */
    static synchronized void release(Path root, Path workspace) {
        FileChannel channel = HELD.remove(lockFile(root, workspace));
        if (channel == null) return;
        try {
            channel.close();
        } catch (IOException e) {
            // closed or not, the lock goes with the process
        }
    }

    /**
     * Removes the recorded placeholders of every workspace no instance is labelled with; returns
     * what it removed ({@code workspace/rel}). {@code listed}: the instances just listed, to pass
     * over workspaces still in use without asking again; {@code instances} is asked under each
     * workspace's lock before anything there is removed. {@code patience}: how long to keep trying
     * a workspace a launch holds.
     */
    public static List<String> sweep(Path root, List<Model.Instance> listed, Supplier<List<Model.Instance>> instances, Duration patience) {
        Path folder = root.resolve(FOLDER);
        if (!Files.isDirectory(folder, LinkOption.NOFOLLOW_LINKS)) return List.of();
        List<Path> records;
        try (Stream<Path> s = Files.list(folder)) {
            records = s.filter(p -> p.getFileName().toString().endsWith(".tsv")).sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
        List<String> removed = new ArrayList<>();
        for (Path file : records) {
            Optional<Entries> entries = read(file);
            if (entries.isEmpty()) continue;
            Path workspace = entries.get().workspace();
            if (!recordFile(root, workspace).equals(file)) continue;
            if (listed != null && inUse(listed, workspace)) continue;
            removed.addAll(sweepOne(root, workspace, instances, patience));
        }
        return removed;
    }

    /** As {@link #sweep(Path, List, Supplier, Duration)} for one workspace's record. */
    public static List<String> sweepWorkspace(Path root, Path workspace, Supplier<List<Model.Instance>> instances, Duration patience) {
        if (!Files.exists(recordFile(root, workspace), LinkOption.NOFOLLOW_LINKS)) return List.of();
        return sweepOne(root, workspace, instances, patience);
    }

    private static List<String> sweepOne(Path root, Path workspace, Supplier<List<Model.Instance>> instances, Duration patience) {
        Path lock = lockFile(root, workspace);
        long deadline = System.nanoTime() + patience.toNanos();
        synchronized (Placeholders.class) {
            // a second channel on a lock file this process holds would, closed, release the held lock too
            if (HELD.containsKey(lock)) return List.of();
            try (FileChannel channel = FileChannel.open(lock, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                FileLock taken;
                while ((taken = tryLock(channel)) == null) {
                    if (System.nanoTime() >= deadline) return List.of();
                    Thread.sleep(100);
                }
                try (FileLock launches = taken; FileLock edit = channel.lock(1, 1, false)) {
                    // asked only now: a launch that made its container and exited before the lock was taken shows here
                    if (inUse(instances.get(), workspace)) return List.of();
                    Path file = recordFile(root, workspace);
                    List<String> removed = new ArrayList<>();
                    List<Made> made = new ArrayList<>(read(file).map(Entries::made).orElse(List.of()));
                    // the deepest first: a placeholder folder made by one session may hold those of a later one
                    made.sort(Comparator.comparingInt((Made m) -> Path.of(m.rel()).getNameCount()).reversed());
                    for (Made m : made) {
                        if (remove(workspace, m)) removed.add(workspace.resolve(m.rel()).toString());
                    }
                    Files.deleteIfExists(file);
                    return removed;
                }
            } catch (IOException | RuntimeException e) {
                // the daemon not answering, a lock that cannot be taken: nothing is removed, a later sweep tries again
                return List.of();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return List.of();
            }
        }
    }

    private static FileLock tryLock(FileChannel channel) throws IOException {
        try {
            return channel.tryLock(0, 1, false);
        } catch (OverlappingFileLockException thisProcessLaunches) {
            return null;
        }
    }

    /** Whether an instance of any state, of whatever prefix, is labelled with {@code workspace}. */
    static boolean inUse(List<Model.Instance> instances, Path workspace) {
        String ws = workspace.toString();
        return instances.stream().anyMatch(i -> ws.equals(i.configValue(Labels.WORKSPACE)));
    }

    /** Removes {@code m} if it is still exactly what coi made; whether it did. Links are never followed. */
    static boolean remove(Path workspace, Made m) {
        Optional<Path> found;
        try {
            found = WorkspacePath.resolve(workspace, m.rel());
        } catch (ConfigException linkOnTheWay) {
            return false;
        }
        if (found.isEmpty()) return false;
        Path path = found.get();
        try {
            BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (!String.valueOf(a.fileKey()).equals(m.identity())) return false;
            if (m.folder()) {
                if (!a.isDirectory()) return false;
            } else {
                if (!a.isRegularFile()) return false;
                byte[] now = WorkspacePath.read(workspace, m.rel()).orElse(null);
                if (now == null || !Arrays.equals(now, Protection.placeholderBytes(path.getFileName().toString()))) return false;
            }
            Files.delete(path);
            return true;
        } catch (DirectoryNotEmptyException | NoSuchFileException | ConfigException e) {
            return false;
        } catch (IOException | UncheckedIOException e) {
            return false;
        }
    }

    private record Entries(Path workspace, List<Made> made) {}

    private static Optional<Entries> read(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException | UncheckedIOException e) {
            return Optional.empty();
        }
        Path workspace = null;
        List<Made> made = new ArrayList<>();
        for (String line : lines) {
            if (line.startsWith(WORKSPACE)) {
                Path p = Path.of(line.substring(WORKSPACE.length()));
                if (p.isAbsolute()) workspace = p;
                continue;
            }
            String[] f = line.split("\t", -1);
            if (f.length != 3 || !(f[0].equals("d") || f[0].equals("f"))) continue;
            Path rel = Path.of(f[2]).normalize();
            if (f[2].isEmpty() || rel.isAbsolute() || rel.startsWith("..")) continue;
            made.add(new Made(rel.toString(), f[0].equals("d"), f[1]));
        }
        return workspace == null ? Optional.empty() : Optional.of(new Entries(workspace, made));
    }

    static void write(Path file, Path workspace, List<Made> made) throws IOException {
        StringBuilder text = new StringBuilder(HEADER).append('\n').append(WORKSPACE).append(workspace).append('\n');
        for (Made m : made) text.append(m.folder() ? "d" : "f").append('\t').append(m.identity()).append('\t').append(m.rel()).append('\n');
        coi.AtomicFile.write(file, text.toString().getBytes(StandardCharsets.UTF_8));
    }

    static Path recordFile(Path root, Path workspace) {
        return root.resolve(FOLDER).resolve(key(workspace) + ".tsv");
    }

    private static Path lockFile(Path root, Path workspace) {
        return root.resolve("locks").resolve("placeholders-" + key(workspace) + ".lock").toAbsolutePath().normalize();
    }

    private static String key(Path workspace) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(workspace.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
