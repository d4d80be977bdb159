package coi.session;

import coi.CoiException;
import coi.LinuxAbi;
import coi.incus.HostTree;
import coi.incus.Model;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
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
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * The empty placeholders a launch makes in a workspace for the protected paths it lacks (see
 * {@link Protection}), taken away again once no container of the workspace is left, so that a
 * session leaves the workspace as it found it (`git status` of the user's repository lists no
 * `.mcp.json` or `lefthook.yml` coi made).
 *
 * <p>A placeholder must stay while any container may mount it: unlinking a mount point on the host
 * detaches the mounts over it in every other mount namespace (Linux 3.18 on), the container's
 * read-only one included, which would lift the protection. So:
 * <ul>
 * <li>a sweep removes anything only when no instance, of any project and any state, may mount it:
 *     labelled with this folder's identity ({@link Labels#WORKSPACE_FOLDER}), or with a workspace
 *     path leading to this folder or a folder above it (compared as folders: a link or a second
 *     mount naming it counts) or lying below it (see {@link #inUse}); a daemon that cannot be asked
 *     keeps everything;</li>
 * <li>a launch holds the workspace folder's lock ({@code locks/placeholders-<key>.lock}, byte 0, the
 *     key from the folder's device and inode, so every path to it shares it) shared
 *     from before it makes or relies on placeholders until its process exits, by when its container
 *     is there to be listed; a sweep takes it exclusive without waiting and lists the instances only
 *     then. (A launch of another user or sessions folder holds another lock: a sweep in its moment
 *     fails that launch, whose mount then has no source, rather than lifting anything.)</li>
 * </ul>
 * What coi made is recorded ({@code placeholders/<key>.tsv}, in coi's folder, which the agent
 * cannot reach) with the workspace folder's identity and each placeholder's (device, inode and
 * birth time), and only what is still exactly that goes: the same file, a folder still empty, a
 * file still empty or {@code {}}. The workspace is walked from its open folder, never following a
 * link, and the last name is unlinked relative to the folder it was checked in ({@link HostTree}):
 * an agent with the workspace writable from another container (a session of a folder above) can
 * swap names, but nothing outside the workspace can be reached that way. Anything the user changed
 * or put there is left. Sweeps run in the background process as it lists containers and as it exits,
 * in the helper that ends a `coi run` ({@link Reaper}), and in `coi clean`.
 */
public final class Placeholders {
    private static final String FOLDER = "placeholders";
    private static final String HEADER = "# coi: placeholders made in a workspace for its protected paths, removed once no container of it is left";
    private static final String WORKSPACE = "workspace\t", IDENTITY = "folder\t";
    /** Locks this process holds shared for its launches, by lock file: kept until the process exits. */
    private static final Map<Path, FileChannel> HELD = new ConcurrentHashMap<>();

    private Placeholders() {}

    /** One placeholder: relative to the workspace, a folder or a file, and its file's identity when made. */
    record Made(String rel, boolean folder, String identity) {}

    /**
     * Before a launch looks at the protected paths of {@code workspace}: no sweep removes a
     * placeholder from here until this process exits. Waits while a sweep runs (a moment). Returns
     * the folder's identity, which the launch labels its container with ({@link Labels#WORKSPACE_FOLDER}).
     */
    static synchronized String hold(Path root, Path workspace) {
        String folder;
        try {
            folder = folderIdentity(workspace);
        } catch (IOException e) {
            throw new CoiException("cannot read the workspace " + workspace + ": " + e.getMessage(), e);
        }
        HELD.computeIfAbsent(lockFile(root, key(folder)), f -> {
            try {
                Files.createDirectories(f.getParent());
                FileChannel channel = FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
                channel.lock(0, 1, true);
                return channel;
            } catch (IOException e) {
                throw new CoiException("cannot lock " + f + ": " + e.getMessage(), e);
            }
        });
        return folder;
    }

    /** Records {@code made} (relative paths a launch just created in {@code workspace}, which it {@link #hold}s). */
    static void record(Path root, Path workspace, List<String> made) {
        if (made.isEmpty()) return;
        synchronized (Placeholders.class) {
            try {
                // by path, just after they were made (a link swapped in on the way meanwhile is refused at the removal's walk)
                String folder = folderIdentity(workspace);
                FileChannel channel = HELD.get(lockFile(root, key(folder)));
                if (channel == null) throw new IllegalStateException("placeholders recorded without the workspace's lock");
                try (FileLock edit = channel.lock(1, 1, false)) {
                    Path file = recordFile(root, key(folder));
                    Files.createDirectories(file.getParent());
                    List<Made> all = new ArrayList<>(read(file).map(Entries::made).orElse(List.of()));
                    all.addAll(identities(workspace, made));
                    write(file, workspace, folder, all);
                }
            } catch (IOException e) {
                // unrecorded placeholders stay, as they did before coi removed any
                System.err.println("coi: warning: cannot record the placeholders made in " + workspace + " (" + e.getMessage()
                        + "): they stay after the session");
            }
        }
    }

    /** {@code made} as they are now in {@code workspace}, each with its identity; what is gone already is left out. */
    static List<Made> identities(Path workspace, List<String> made) {
        List<Made> entries = new ArrayList<>();
        for (String rel : made) {
            try {
                Path p = workspace.resolve(rel);
                entries.add(new Made(rel, Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS), identity(p, LinkOption.NOFOLLOW_LINKS)));
            } catch (IOException e) {
                // gone already (another session's agent?): nothing of coi's to remove there
            }
        }
        return entries;
    }

    /**
     * A file's identity: its device and inode, and its birth time (an inode number is reused once
     * its file is gone; with the time it was made, the identity is not). An open one's is read at
     * its {@code /proc/self/fd} path.
     */
    static String identity(Path file, LinkOption... options) throws IOException {
        BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class, options);
        return a.fileKey() + "," + a.creationTime();
    }

    /**
     * A folder's identity, its device and inode (links followed): what its record and lock are kept
     * by, so that every path to one folder shares them. No birth time: where a file system has none,
     * the JDK gives the modification time, which every new name in the folder changes.
     */
    static String folderIdentity(Path folder) throws IOException {
        return String.valueOf(Files.readAttributes(folder, BasicFileAttributes.class).fileKey());
    }

    /** The folder {@code rel}'s last name is in, opened from {@code top} without following a link. */
    private record Walk(HostTree folder, String name, List<HostTree> opened) implements AutoCloseable {
        /** Null when a folder on the way is not there (or is not a folder). */
        static Walk to(HostTree top, String rel) throws IOException {
            List<String> names = new ArrayList<>();
            Path.of(rel).forEach(part -> names.add(part.toString()));
            List<HostTree> opened = new ArrayList<>();
            HostTree at = top;
            try {
                for (String name : names.subList(0, names.size() - 1)) {
                    at = at.existing(name);
                    if (at == null) {
                        opened.forEach(HostTree::close);
                        return null;
                    }
                    opened.add(at);
                }
            } catch (IOException | RuntimeException e) {
                opened.forEach(HostTree::close);
                throw e;
            }
            return new Walk(at, names.getLast(), opened);
        }

        @Override
        public void close() {
            opened.forEach(HostTree::close);
        }
    }

    /** A step under a workspace folder's lock. */
    interface Locked<T> {
        /** {@code alone}: no launch holds the folder (its lock was taken exclusive, without waiting). */
        T run(boolean alone) throws IOException;
    }

    /**
     * Runs {@code body} under the edit lock of the workspace folder {@code folder} (what {@link
     * #record} and the {@link GitGuard}'s record take); told whether no launch holds the folder. In
     * a process that holds the folder itself, never alone.
     */
    static <T> T locked(Path root, String folder, Locked<T> body) throws IOException {
        Path lock = lockFile(root, key(folder));
        synchronized (Placeholders.class) {
            FileChannel held = HELD.get(lock);
            if (held != null) {
                try (FileLock edit = held.lock(1, 1, false)) {
                    return body.run(false);
                }
            }
            Files.createDirectories(lock.getParent());
            try (FileChannel channel = FileChannel.open(lock, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
                 FileLock launches = tryLock(channel); FileLock edit = channel.lock(1, 1, false)) {
                return body.run(launches != null);
            }
        }
    }

    /** Lets go of {@link #hold}, as the end of this process does (the tests stand in for that end with it). */
    static synchronized void release(Path root, Path workspace) throws IOException {
        FileChannel channel = HELD.remove(lockFile(root, key(folderIdentity(workspace))));
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
        List<Path> records = records(root.resolve(FOLDER));
        List<String> removed = new ArrayList<>();
        // one workspace's placeholders may hold another record's (made through a link by another path): a folder left for
        // holding some goes in the next pass
        for (int pass = 0, before = -1; pass < 3 && removed.size() > before; pass++) {
            before = removed.size();
            for (Path file : records) {
                Optional<Entries> entries = read(file);
                if (entries.isEmpty()) continue;
                String key = file.getFileName().toString().replaceFirst("\\.tsv$", "");
                if (!key.equals(key(entries.get().identity()))) continue;
                if (listed != null && inUse(listed, entries.get().workspace(), entries.get().identity())) continue;
                removed.addAll(sweepOne(root, key, instances, patience));
            }
        }
        return removed;
    }

    /** The records ({@code *.tsv}) in {@code folder}, sorted; none when it is not there or cannot be listed. */
    static List<Path> records(Path folder) {
        if (!Files.isDirectory(folder, LinkOption.NOFOLLOW_LINKS)) return List.of();
        try (Stream<Path> s = Files.list(folder)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".tsv")).sorted().toList();
        } catch (IOException | UncheckedIOException e) {
            return List.of();
        }
    }

    /** As {@link #sweep(Path, List, Supplier, Duration)} for one workspace's record. */
    public static List<String> sweepWorkspace(Path root, Path workspace, Supplier<List<Model.Instance>> instances, Duration patience) {
        String key;
        try {
            key = key(folderIdentity(workspace));
        } catch (IOException gone) {
            return List.of();
        }
        if (!Files.exists(recordFile(root, key), LinkOption.NOFOLLOW_LINKS)) return List.of();
        return sweepOne(root, key, instances, patience);
    }

    private static List<String> sweepOne(Path root, String key, Supplier<List<Model.Instance>> instances, Duration patience) {
        Path lock = lockFile(root, key);
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
                    return sweepLocked(root, key, instances);
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

    /** Under the workspace's lock: what is still exactly coi's goes, what could not be looked at stays recorded. */
    private static List<String> sweepLocked(Path root, String key, Supplier<List<Model.Instance>> instances) throws IOException {
        Path file = recordFile(root, key);
        Optional<Entries> entries = read(file);
        if (entries.isEmpty()) return List.of();
        Path workspace = entries.get().workspace();
        HostTree top;
        try {
            top = HostTree.open(workspace);
        } catch (IOException gone) {
            // the folder is gone (or no folder now): nothing of coi's is left to remove
            if (!Files.isDirectory(workspace)) Files.deleteIfExists(file);
            return List.of();
        }
        try (top) {
            if (!folderIdentity(top.opened()).equals(entries.get().identity())) {
                // another folder by that path now: what coi made is not in it
                Files.deleteIfExists(file);
                return List.of();
            }
            // asked only now: a launch that made its container and exited before the lock was taken shows here
            if (inUse(instances.get(), workspace, entries.get().identity())) return List.of();
            List<Made> made = new ArrayList<>(entries.get().made());
            // the deepest first: a placeholder folder made by one session may hold those of a later one
            made.sort(Comparator.comparingInt((Made m) -> Path.of(m.rel()).getNameCount()).reversed());
            List<String> removed = new ArrayList<>();
            List<Made> kept = new ArrayList<>();
            for (Made m : made) {
                switch (remove(top, m)) {
                    case REMOVED -> removed.add(workspace.resolve(m.rel()).toString());
                    case KEPT -> kept.add(m);
                    case CHANGED -> { }
                }
            }
            if (kept.isEmpty()) Files.deleteIfExists(file);
            else write(file, workspace, entries.get().identity(), kept);
            return removed;
        }
    }

    private static FileLock tryLock(FileChannel channel) throws IOException {
        try {
            return channel.tryLock(0, 1, false);
        } catch (OverlappingFileLockException thisProcessLaunches) {
            return null;
        }
    }

    /**
     * Whether an instance of {@code instances} (of any prefix and state) may mount what coi made in
     * {@code workspace}, the folder {@code folder}: one labelled with this folder's identity
     * ({@link Labels#WORKSPACE_FOLDER}), or whose workspace path leads to this folder or a folder
     * above it (compared as folders, so a link or another mount of it counts) or lies below it (by
     * real path: protected paths are relative to their own workspace). A path that cannot be looked
     * at counts, and so does one leading nowhere on a container without the folder label (made
     * before coi labelled it): where its path went, its folder may be this one.
     */
    static boolean inUse(List<Model.Instance> instances, Path workspace, String folder) {
        Near near = Near.of(workspace, folder);
        if (near == null) return true;
        for (Model.Instance i : instances) {
            String label = i.configValue(Labels.WORKSPACE);
            if (label == null) continue;
            String labelled = i.configValue(Labels.WORKSPACE_FOLDER);
            if (labelled != null && near.here().contains(labelled)) return true;
            try {
                if (near.reaches(Path.of(label))) return true;
            } catch (NoSuchFileException gone) {
                if (labelled == null) return true;
            } catch (IOException | java.nio.file.InvalidPathException e) {
                return true;
            }
        }
        return false;
    }

    /**
     * Those of {@code instances} that are known to use {@code workspace} (the folder {@code folder}): labelled with it, or
     * mounting it (or a folder above or below it) writable. Unlike {@link #inUse}, what cannot be looked at counts as not:
     * this finds containers whose starts mean a window, not containers that keep one open.
     */
    static List<Model.Instance> using(List<Model.Instance> instances, Path workspace, String folder) {
        Near near = Near.of(workspace, folder);
        if (near == null) return List.of();
        List<Model.Instance> found = new ArrayList<>();
        for (Model.Instance i : instances) {
            String label = i.configValue(Labels.WORKSPACE);
            if (label == null) continue;
            String labelled = i.configValue(Labels.WORKSPACE_FOLDER);
            boolean uses = labelled != null && near.here().contains(labelled) || near.surely(label);
            for (String source : writableDisks(i).values()) uses = uses || near.surely(source);
            if (uses) found.add(i);
        }
        return found;
    }

    /**
     * Whether a coi instance of {@code instances} (labelled with a workspace) mounts {@code workspace}, the folder
     * {@code folder}, a folder above it or one below it writable as another disk (`--mount`, `[[mounts]]`, the storage
     * folder, a session's state folder): its agent can write there as well. A source that cannot be looked at counts.
     */
    static boolean mountedWritable(List<Model.Instance> instances, Path workspace, String folder) {
        Near near = Near.of(workspace, folder);
        if (near == null) return true;
        for (Model.Instance i : instances) {
            if (i.configValue(Labels.WORKSPACE) == null) continue;
            for (String source : writableDisks(i).values()) {
                try {
                    if (near.reaches(Path.of(source))) return true;
                } catch (IOException | java.nio.file.InvalidPathException e) {
                    return true;
                }
            }
        }
        return false;
    }

    /** {@code instance}'s disk devices mounted writable from a host path: device name to source. */
    static Map<String, String> writableDisks(Model.Instance instance) {
        Map<String, Map<String, String>> devices = instance.expandedDevices() != null ? instance.expandedDevices() : instance.devices();
        Map<String, String> disks = new java.util.LinkedHashMap<>();
        if (devices == null) return disks;
        devices.forEach((name, d) -> {
            String source = d.get("source");
            if ("disk".equals(d.get("type")) && source != null && source.startsWith("/") && !"true".equals(d.get("readonly"))) disks.put(name, source);
        });
        return disks;
    }

    /** A folder by its real path, with the identities of it and every folder above it. */
    private record Near(Path real, Set<String> here) {
        /** Null when the folder cannot be looked at. */
        static Near of(Path workspace, String folder) {
            Set<String> here = new HashSet<>();
            here.add(folder);
            try {
                Path real = workspace.toRealPath();
                for (Path p = real; p != null; p = p.getParent()) here.add(folderIdentity(p));
                return new Near(real, here);
            } catch (IOException e) {
                return null;
            }
        }

        /** Whether {@code path} is this folder, a folder above it (compared as folders) or lies below it (by real path). */
        boolean reaches(Path path) throws IOException {
            return here.contains(folderIdentity(path)) || path.toRealPath().startsWith(real);
        }

        /** {@link #reaches}, false when {@code path} cannot be looked at. */
        boolean surely(String path) {
            try {
                return reaches(Path.of(path));
            } catch (IOException | java.nio.file.InvalidPathException e) {
                return false;
            }
        }
    }

    /** What became of one recorded placeholder. */
    enum Outcome { REMOVED, CHANGED, KEPT }

    /**
     * Removes {@code m} from the open workspace {@code top} if it is still exactly what coi made:
     * REMOVED; CHANGED when it is not (gone, replaced, a link on the way, written to), which the
     * record then forgets; KEPT when it could not be looked at or removed (a folder not empty, a
     * mount point, an error).
     */
    static Outcome remove(HostTree top, Made m) {
        try (Walk walk = Walk.to(top, m.rel())) {
            if (walk == null) return Outcome.CHANGED;
            try (HostTree.Node node = walk.folder().at(walk.name())) {
                // instanceof, not a pattern switch: the JVM spins a class for each such switch at its first run (see GitGuard)
                boolean same = node instanceof HostTree.Folder f ? m.folder() && identity(f.tree().opened()).equals(m.identity())
                        : node instanceof HostTree.Plain p && !m.folder() && identity(p.opened()).equals(m.identity()) && p.size() <= 3
                                && Arrays.equals(p.readAll(), Protection.placeholderBytes(walk.name()));
                if (!same) return Outcome.CHANGED;
            }
            int errno = walk.folder().remove(walk.name(), m.folder());
            if (errno == 0) return Outcome.REMOVED;
            // something else there by now: not coi's any more; a folder with something in it (the user's, or placeholders of
            // another record, swept next; rmdir says so as ENOTEMPTY, or as EEXIST, which POSIX allows) stays recorded, to go
            // once it is empty
            return errno == LinuxAbi.ENOENT || errno == LinuxAbi.ENOTDIR || errno == LinuxAbi.EISDIR ? Outcome.CHANGED : Outcome.KEPT;
        } catch (IOException | RuntimeException e) {
            return Outcome.KEPT;
        }
    }

    /** A record: the workspace by its path and its folder's identity when first recorded, and what coi made there. */
    private record Entries(Path workspace, String identity, List<Made> made) {}

    /** A record's lines; none when it cannot be read (gone, or not text). */
    static Optional<List<String>> lines(Path file) {
        try {
            return Optional.of(Files.readAllLines(file, StandardCharsets.UTF_8));
        } catch (IOException | UncheckedIOException e) {
            return Optional.empty();
        }
    }

    private static Optional<Entries> read(Path file) {
        Optional<List<String>> all = lines(file);
        if (all.isEmpty()) return Optional.empty();
        List<String> lines = all.get();
        Path workspace = null;
        String identity = null;
        List<Made> made = new ArrayList<>();
        for (String line : lines) {
            if (line.startsWith(WORKSPACE)) {
                Path p = Path.of(line.substring(WORKSPACE.length()));
                if (p.isAbsolute()) workspace = p;
                continue;
            }
            if (line.startsWith(IDENTITY)) {
                identity = line.substring(IDENTITY.length());
                continue;
            }
            String[] f = line.split("\t", -1);
            if (f.length != 3 || !(f[0].equals("d") || f[0].equals("f"))) continue;
            Path rel = Path.of(f[2]).normalize();
            if (f[2].isEmpty() || rel.isAbsolute() || rel.startsWith("..") || rel.toString().isEmpty()) continue;
            made.add(new Made(rel.toString(), f[0].equals("d"), f[1]));
        }
        return workspace == null || identity == null ? Optional.empty() : Optional.of(new Entries(workspace, identity, made));
    }

    static void write(Path file, Path workspace, String identity, List<Made> made) throws IOException {
        StringBuilder text = new StringBuilder(HEADER).append('\n').append(WORKSPACE).append(workspace).append('\n')
                .append(IDENTITY).append(identity).append('\n');
        for (Made m : made) text.append(m.folder() ? "d" : "f").append('\t').append(m.identity()).append('\t').append(m.rel()).append('\n');
        coi.AtomicFile.write(file, text.toString().getBytes(StandardCharsets.UTF_8));
    }

    static Path recordFile(Path root, String key) {
        return root.resolve(FOLDER).resolve(key + ".tsv");
    }

    private static Path lockFile(Path root, String key) {
        return root.resolve("locks").resolve("placeholders-" + key + ".lock").toAbsolutePath().normalize();
    }

    /** A folder's record and lock name: from its identity, so that each path to it finds the same. */
    static String key(String folderIdentity) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(folderIdentity.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
