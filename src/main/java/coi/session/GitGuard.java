package coi.session;

import coi.CoiException;
import coi.incus.HostTree;
import coi.incus.Model;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Git repositories inside a workspace, the agent's to write: the settings in them that would run a
 * command on the host are moved aside when the agent wrote them.
 *
 * <p>The workspace's own repository is protected by mounts ({@link Protection}). A repository below
 * it is not: a submodule's git folder ({@code .git/modules/NAME}) and any repository the agent makes
 * and commits as a gitlink ({@code git init sub; git add sub}). A plain `git status` in the
 * workspace on the host enters each gitlink and reads that repository's config, where
 * {@code core.fsmonitor} is a command git runs; an editor opens the repositories in the top-level
 * folders by itself and runs git there. Mounts cannot cover paths the agent chooses, so coi looks
 * after the fact, on the host:
 * <ul>
 * <li><b>When the agent could write.</b> Every launch opens a window for its workspace folder (this
 *     record, {@code gitguard/<key>.tsv}, kept by the folder's identity like the {@link
 *     Placeholders}'); a check that finds no container of the workspace left (any state but
 *     Stopped) and no launch holding it closes the window. A file's change time (ctime), which no
 *     one can set back, inside a window marks it as possibly the agent's, wherever it is now and
 *     whenever the window was: a config written in one session and moved into place in a later one
 *     is still the agent's. The user's changes outside sessions are the user's.</li>
 * <li><b>What git runs.</b> In each nested repository ({@link Scan}): a config (and
 *     {@code config.worktree}, and files it includes) with any key outside a short list of keys that
 *     run nothing ({@link #SAFE}), read by git itself; a hooks folder with a hook in it; a
 *     {@code .git} pointer or {@code commondir} leading through a link; a link in place of any of
 *     them.</li>
 * <li><b>Moved aside,</b> never deleted: {@code config} becomes {@code config.coi-quarantined} (git
 *     works without a config), {@code hooks} becomes {@code hooks.coi-quarantined}; each by a rename
 *     relative to the folder it was found in, reached from the workspace without following a link.</li>
 * </ul>
 * Checks run where the placeholders are swept: in the background process as it lists containers
 * and as it exits, at the end of a session in the foreground (which says what it moved), in the
 * helper that ends a `coi run`, and in `coi clean`. While a window is open the quick look covers the
 * gitlinks git enters (read from the indexes, {@link GitIndex}), the submodules' git folders and
 * the top-level folders; the check that closes a window looks for every {@code .git} in the
 * workspace. Between a write and the next check (seconds while the background process runs, else
 * the session's end) git on the host can still run it.
 */
public final class GitGuard {
    private static final String FOLDER = "gitguard";
    private static final String HEADER = "# coi: when agents could write this workspace; git settings changed then are the agent's";
    private static final String WORKSPACE = "workspace\t", IDENTITY = "folder\t", LAUNCHES = "launches\t", WINDOW = "window\t";
    static final String SUFFIX = ".coi-quarantined";
    /** A ctime is the kernel's coarse clock: windows are widened by this on each side. */
    private static final Duration SLACK = Duration.ofSeconds(1);
    private static final long OPEN = Long.MAX_VALUE;
    /** Windows kept per workspace; beyond, the two oldest merge (wider, so more is the agent's). */
    private static final int WINDOWS = 500;
    /** Nested repositories below nested repositories followed this deep. */
    private static final int DEPTH = 8;
    /** The most a full look walks (entries), and reads (an index, a config); the most configs git reads in one look. */
    private static final long WALK_LIMIT = 5_000_000, READ_LIMIT = 256L << 20;
    private static final int PARSES = 200;
    /** Records whose full look could not finish, when (System.nanoTime); tried again after {@link #RETRY}. */
    private static final Map<Path, Long> UNFINISHED = new java.util.concurrent.ConcurrentHashMap<>();
    private static final Duration RETRY = Duration.ofMinutes(1);
    /** The gitlinks of indexes read (NUL-separated), by their file's identity; the most recently used 64. */
    private static final Map<String, byte[]> INDEXES = java.util.Collections.synchronizedMap(
            new java.util.LinkedHashMap<>(16, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, byte[]> eldest) {
                    return size() > 64;
                }
            });
    /** Configs git read, by their file's identity (see {@code Scan.parsed}); the most recently used 4,096. */
    private static final Map<String, Optional<List<String[]>>> PARSED = java.util.Collections.synchronizedMap(
            new java.util.LinkedHashMap<>(64, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, Optional<List<String[]>>> eldest) {
                    return size() > 4096;
                }
            });

    /**
     * Config keys that run nothing and point git nowhere else (section and key lowercased, a
     * subsection as *): what `git init`, `git clone` and `git submodule` write, and common
     * preferences. Any other key in a config the agent wrote moves the config aside.
     */
    static final Set<String> SAFE = Set.of(
            "core.repositoryformatversion", "core.filemode", "core.bare", "core.logallrefupdates", "core.ignorecase",
            "core.precomposeunicode", "core.symlinks", "core.worktree", "core.autocrlf", "core.eol", "core.safecrlf",
            "core.quotepath", "core.abbrev", "core.compression", "core.loosecompression", "core.bigfilethreshold",
            "core.sparsecheckout", "core.sparsecheckoutcone", "core.untrackedcache", "core.checkstat", "core.trustctime",
            "core.commentchar", "core.commentstring",
            "remote.*.url", "remote.*.pushurl", "remote.*.fetch", "remote.*.push", "remote.*.tagopt", "remote.*.prune",
            "remote.*.prunetags", "remote.*.mirror", "remote.*.skipdefaultupdate", "remote.*.skipfetchall", "remote.*.promisor",
            "remote.*.partialclonefilter",
            "branch.*.remote", "branch.*.merge", "branch.*.rebase", "branch.*.pushremote", "branch.*.description",
            "submodule.*.url", "submodule.*.active", "submodule.*.branch", "submodule.*.fetchrecursesubmodules",
            "submodule.*.ignore", "submodule.*.shallow",
            "user.name", "user.email", "init.defaultbranch", "pull.rebase", "pull.ff", "push.default", "push.autosetupremote",
            "fetch.prune", "fetch.recursesubmodules", "gc.auto", "gc.autodetach", "index.version", "extensions.objectformat",
            "lfs.repositoryformatversion", "status.showuntrackedfiles", "merge.conflictstyle", "diff.renames", "color.ui");

    private GitGuard() {}

    /** What a check moved aside: {@code path} (now {@code to}), and why. */
    public record Quarantined(Path path, Path to, String why) {
        public String describe() {
            return "moved " + path + " to " + to.getFileName() + ": " + why;
        }
    }

    /** A time the agent could write, in nanoseconds since the epoch; {@code end} OPEN while it lasts. */
    record Window(long start, long end) {}

    /** A workspace's record: its path and folder identity, how many launches there were, and its windows. */
    record State(Path workspace, String folder, long launches, List<Window> windows) {
        boolean open() {
            return !windows.isEmpty() && windows.getLast().end() == OPEN;
        }

        /** Whether a change at {@code ctime} may be the agent's. */
        boolean agents(long ctime) {
            for (Window w : windows) {
                if (ctime >= w.start() && ctime <= w.end()) return true;
            }
            return false;
        }
    }

    /**
     * Links the native calls a check makes ({@link HostTree}'s, a tenth of a second or two) on a
     * thread of its own, while the session runs: the check at its end then finds them linked.
     */
    static void prepare() {
        Thread.ofPlatform().daemon(true).name("coi-git-guard-link").start(() -> {
            try {
                Class.forName(HostTree.class.getName(), true, GitGuard.class.getClassLoader());
            } catch (ClassNotFoundException | LinkageError e) {
                // the check links them itself
            }
        });
    }

    // ------------------------------------------------------------------ the record

    /**
     * At a launch, which {@link Placeholders#hold}s the folder until its process exits: what is
     * written in the workspace from now may be the agent's, until a check finds no container of it.
     */
    static void launched(Path root, Path workspace, String folder) {
        Path file = recordFile(root, Placeholders.key(folder));
        try {
            Placeholders.locked(root, folder, alone -> {
                State was = read(file).filter(s -> s.folder().equals(folder)).orElse(new State(workspace, folder, 0, List.of()));
                List<Window> windows = new ArrayList<>(was.windows());
                if (!was.open()) windows.add(new Window(nanos(Instant.now().minus(SLACK)), OPEN));
                write(file, new State(workspace, folder, was.launches() + 1, merged(windows)));
                return null;
            });
        } catch (IOException | UncheckedIOException e) {
            // without it nothing the agent writes in a nested repository would be told from the user's
            throw new CoiException("cannot record the session in " + file + " (" + e.getMessage() + "): check that "
                    + file.getParent() + " is writable", e);
        }
    }

    /**
     * Checks {@code workspace} now (a session's end in the foreground, the helper that ends a `coi
     * run`); closes its window when no container of it is left.
     */
    public static List<Quarantined> check(Path root, Path workspace, Supplier<List<Model.Instance>> instances) {
        try {
            return checkOne(root, recordFile(root, Placeholders.key(Placeholders.folderIdentity(workspace))), instances);
        } catch (IOException gone) {
            return List.of();
        }
    }

    /** Checks every workspace with an open window (the background process, `coi clean`). */
    public static List<Quarantined> checkAll(Path root, Supplier<List<Model.Instance>> instances) {
        Path folder = root.resolve(FOLDER);
        if (!Files.isDirectory(folder, LinkOption.NOFOLLOW_LINKS)) return List.of();
        List<Path> records;
        try (Stream<Path> s = Files.list(folder)) {
            records = s.filter(p -> p.getFileName().toString().endsWith(".tsv")).sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
        List<Quarantined> moved = new ArrayList<>();
        for (Path file : records) moved.addAll(checkOne(root, file, instances));
        return moved;
    }

    private static List<Quarantined> checkOne(Path root, Path file, Supplier<List<Model.Instance>> instances) {
        Optional<State> found = read(file);
        if (found.isEmpty() || !found.get().open()) return List.of();
        State state = found.get();
        if (!file.getFileName().toString().equals(Placeholders.key(state.folder()) + ".tsv")) return List.of();
        try {
            // whether the window may close: no launch holds the folder and no container of it is left, asked under its lock;
            // it closes at the time of that answer, after a full look, unless a launch came meanwhile
            long[] closeAt = {0};
            State now = Placeholders.locked(root, state.folder(), alone -> {
                State s = read(file).orElse(state);
                if (alone && s.open()) {
                    try {
                        List<Model.Instance> left = instances.get().stream().filter(i -> !"Stopped".equals(i.status())).toList();
                        if (!Placeholders.inUse(left, s.workspace(), s.folder())) closeAt[0] = nanos(Instant.now().plus(SLACK));
                    } catch (RuntimeException daemon) {
                        // a daemon that cannot be asked: the window stays open
                    }
                }
                return s;
            });
            // a full look that could not finish (a folder it cannot read) is tried again after a while, not at every check
            Long failed = UNFINISHED.get(file);
            if (failed != null && System.nanoTime() - failed < RETRY.toNanos()) closeAt[0] = 0;
            Scan scan = new Scan(now, closeAt[0] != 0);
            scan.run();
            if (closeAt[0] != 0 && !scan.complete) UNFINISHED.put(file, System.nanoTime());
            if (closeAt[0] != 0 && scan.complete) {
                UNFINISHED.remove(file);
                Placeholders.locked(root, state.folder(), alone -> {
                    State s = read(file).orElse(null);
                    if (s == null || s.launches() != now.launches() || !s.open()) return null;
                    List<Window> windows = new ArrayList<>(s.windows());
                    windows.set(windows.size() - 1, new Window(windows.getLast().start(), closeAt[0]));
                    write(file, new State(s.workspace(), s.folder(), s.launches(), windows));
                    return null;
                });
            }
            return scan.moved;
        } catch (IOException | RuntimeException e) {
            // whatever the agent made of the workspace: the window stays open, a later check looks again
            return List.of();
        }
    }

    static List<Window> merged(List<Window> windows) {
        List<Window> w = new ArrayList<>(windows);
        while (w.size() > WINDOWS) w.set(0, new Window(w.get(0).start(), w.remove(1).end()));
        return w;
    }

    static Optional<State> read(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException | UncheckedIOException e) {
            return Optional.empty();
        }
        Path workspace = null;
        String folder = null;
        long launches = 0;
        List<Window> windows = new ArrayList<>();
        try {
            for (String line : lines) {
                if (line.startsWith(WORKSPACE)) workspace = Path.of(line.substring(WORKSPACE.length()));
                else if (line.startsWith(IDENTITY)) folder = line.substring(IDENTITY.length());
                else if (line.startsWith(LAUNCHES)) launches = Long.parseLong(line.substring(LAUNCHES.length()));
                else if (line.startsWith(WINDOW)) {
                    String[] f = line.split("\t");
                    windows.add(new Window(Long.parseLong(f[1]), f[2].equals("open") ? OPEN : Long.parseLong(f[2])));
                }
            }
        } catch (RuntimeException unreadable) {
            return Optional.empty();
        }
        return workspace == null || !workspace.isAbsolute() || folder == null ? Optional.empty()
                : Optional.of(new State(workspace, folder, launches, windows));
    }

    private static void write(Path file, State s) throws IOException {
        StringBuilder text = new StringBuilder(HEADER).append('\n').append(WORKSPACE).append(s.workspace()).append('\n')
                .append(IDENTITY).append(s.folder()).append('\n').append(LAUNCHES).append(s.launches()).append('\n');
        for (Window w : s.windows()) {
            text.append(WINDOW).append(w.start()).append('\t').append(w.end() == OPEN ? "open" : String.valueOf(w.end())).append('\n');
        }
        Files.createDirectories(file.getParent());
        coi.AtomicFile.write(file, text.toString().getBytes(StandardCharsets.UTF_8));
    }

    static Path recordFile(Path root, String key) {
        return root.resolve(FOLDER).resolve(key + ".tsv");
    }

    private static long nanos(Instant t) {
        return TimeUnit.SECONDS.toNanos(t.getEpochSecond()) + t.getNano();
    }

    private static long nanos(FileTime t) {
        return nanos(t.toInstant());
    }

    // ------------------------------------------------------------------ the look

    /** One look at a workspace's nested repositories, moving aside what is risky and the agent's. */
    static final class Scan {
        private final State state;
        private final boolean everywhere;
        final List<Quarantined> moved = new ArrayList<>();
        /** False when something could not be looked at: the window stays open. */
        boolean complete = true;
        /** Git folders looked at, by identity: whether their index was read too. */
        private final Map<Object, Boolean> seen = new HashMap<>();
        /** {@code .git} entries to look at (relative to the workspace) with their depth. */
        private final Deque<Map.Entry<String, Integer>> pointers = new ArrayDeque<>();
        private boolean walk;
        /** The workspace folder, open while the look runs, and its real path. */
        private HostTree top;
        private Path real;
        /** Configs read by git in this look: at most {@link #PARSES}. */
        private int parses;

        Scan(State state, boolean everywhere) {
            this.state = state;
            this.everywhere = everywhere;
        }

        void run() throws IOException {
            try {
                top = HostTree.open(state.workspace());
            } catch (IOException gone) {
                // moved or unmounted: looked at once it is back
                complete = false;
                return;
            }
            try (HostTree opened = top) {
                if (!Placeholders.folderIdentity(top.opened()).equals(state.folder())) {
                    complete = false;
                    return;
                }
                real = top.opened().toRealPath();
                // the workspace's own repository (its config and hooks are protected): its gitlinks and submodules
                try (HostTree.Node own = top.at(".git")) {
                    if (own instanceof HostTree.Folder f) {
                        gitlinks(f.tree(), "", 0);
                        modules(f.tree(), ".git", 0);
                        // the workspace's own config (the user's, protected): what it points at in the workspace
                        config(f.tree(), "config", ".git/config", 0, new Repo(".git", "", true));
                    } else if (own instanceof HostTree.Plain p) {
                        outsideIndex(p);
                    }
                } catch (IOException | RuntimeException e) {
                    complete = false;
                    walk = true;
                }
                // what an editor opens by itself: a repository in a top-level folder
                for (String name : top.names()) {
                    if (!name.equals(".git")) pointers.add(Map.entry(name + "/.git", 1));
                }
                // each on its own: one that cannot be looked at (whatever the agent made of it) leaves the others looked at
                boolean walked = false;
                do {
                    if (!walked && (everywhere || walk)) {
                        walked = true;
                        walkAll();
                    }
                    while (!pointers.isEmpty()) {
                        Map.Entry<String, Integer> next = pointers.poll();
                        try {
                            pointer(top, next.getKey(), next.getValue());
                        } catch (IOException | RuntimeException e) {
                            complete = false;
                        }
                    }
                } while (!walked && walk);
            }
        }

        /** A worktree's pointer to the workspace's repository elsewhere: its index names the gitlinks. */
        private void outsideIndex(HostTree.Plain pointer) throws IOException {
            Optional<String> target = gitdirOf(pointer);
            if (target.isEmpty()) return;
            Path gitdir = state.workspace().resolve(target.get()).normalize();
            // read without blocking or following a link at its end (it may lie in the workspace)
            switch (coi.PlainFile.read(gitdir.resolve("index"), (int) READ_LIMIT)) {
                case coi.PlainFile.Content(byte[] index) -> addGitlinks(index, "", 0, null);
                case coi.PlainFile.Absent absent -> { }
                default -> walk = true;
            }
        }

        /** Every {@code .git} in the workspace, without following links. */
        private void walkAll() {
            // from its real path: a walk does not enter a link it starts at
            Path ws = real;
            long[] entries = {0};
            Set<String> found = new TreeSet<>();
            try {
                Files.walkFileTree(ws, new SimpleFileVisitor<>() {
                    @Override
                    public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                        if (++entries[0] > WALK_LIMIT) {
                            complete = false;
                            return FileVisitResult.TERMINATE;
                        }
                        if (dir.getFileName() != null && dir.getFileName().toString().equals(".git")) {
                            if (!dir.getParent().equals(ws)) found.add(ws.relativize(dir).toString());
                            return FileVisitResult.SKIP_SUBTREE;
                        }
                        return FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                        entries[0]++;
                        if (file.getFileName().toString().equals(".git") && !file.getParent().equals(ws)) found.add(ws.relativize(file).toString());
                        return FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult visitFileFailed(Path file, IOException e) {
                        return FileVisitResult.CONTINUE;
                    }
                });
            } catch (IOException | UncheckedIOException e) {
                complete = false;
            }
            for (String rel : found) pointers.add(Map.entry(rel, 1));
        }

        /** The {@code .git} at {@code rel}: a git folder, a pointer to one, or a link. */
        private void pointer(HostTree top, String rel, int depth) throws IOException {
            Path path = Path.of(rel);
            try (Walked at = Walked.to(top, path.getParent())) {
                if (at == null) return;
                try (HostTree.Node node = at.folder().at(".git")) {
                    String worktree = path.getParent().toString();
                    switch (node) {
                        case null -> { }
                        case HostTree.Folder f -> gitdir(f.tree(), rel, worktree, depth);
                        case HostTree.Plain p -> {
                            Optional<Target> target = inside(top, p, path.getParent());
                            if (target == null) risky(at.folder(), ".git", rel, agents(p.opened()),
                                    "it points git at a folder through a link, where coi cannot look");
                            else if (target.isPresent()) {
                                try (HostTree g = target.get().folder()) {
                                    gitdir(g, target.get().rel(), worktree, depth);
                                }
                            }
                        }
                        case HostTree.Link l -> risky(at.folder(), ".git", rel, agents(at.folder(), ".git"),
                                "a link git would follow to a repository elsewhere");
                        default -> { }
                    }
                }
            }
        }

        /**
         * Where a pointer file (`gitdir: PATH`) leads: empty when outside the workspace (not the
         * agent's to write) or nowhere, null when a link is on the way inside it.
         */
        private Optional<Target> inside(HostTree top, HostTree.Plain pointer, Path from) throws IOException {
            Optional<String> target = gitdirOf(pointer);
            if (target.isEmpty()) return Optional.empty();
            return insideFolder(top, target.get(), from);
        }

        /** A folder a pointer leads to, open, and its path relative to the workspace. */
        private record Target(HostTree folder, String rel) {}

        private Optional<Target> insideFolder(HostTree top, String target, Path from) throws IOException {
            Path t = Path.of(target);
            Path rel;
            if (t.isAbsolute()) {
                Optional<Path> in = relative(t);
                if (in.isEmpty()) return Optional.empty();
                rel = in.get();
            } else {
                rel = (from == null ? t : from.resolve(t)).normalize();
                if (rel.startsWith("..")) return Optional.empty();
            }
            Walked w;
            try {
                w = Walked.folder(top, rel);
            } catch (LinkOnTheWay link) {
                return null;
            }
            return w == null ? Optional.empty() : Optional.of(new Target(w.take(), rel.toString()));
        }

        /** A git folder {@code g} found at {@code rel}, of the worktree {@code worktree} (null when not known). */
        private void gitdir(HostTree g, String rel, String worktree, int depth) throws IOException {
            Object id = Files.readAttributes(g.opened(), BasicFileAttributes.class).fileKey();
            if (!seen.containsKey(id)) {
                seen.put(id, false);
                Repo repo = new Repo(rel, worktree);
                config(g, "config", rel + "/config", 0, repo);
                config(g, "config.worktree", rel + "/config.worktree", 0, repo);
                hooks(g, rel);
                commondir(g, rel, depth);
                modules(g, rel, depth);
            }
            if (worktree != null && !seen.get(id) && depth < DEPTH) {
                seen.put(id, true);
                gitlinks(g, worktree.isEmpty() ? "" : worktree + "/", depth + 1);
            }
        }

        /** The gitlinks of git folder {@code g}'s index, as pointers below {@code prefix}. */
        private void gitlinks(HostTree g, String prefix, int depth) throws IOException {
            try (HostTree.Node index = g.at("index")) {
                if (index == null) return;
                if (!(index instanceof HostTree.Plain p) || p.size() > READ_LIMIT) {
                    walk = true;
                    return;
                }
                // by identity, as configs: a large index is read once while it stays (git replaces it whole when it writes it)
                String id = Files.readAttributes(p.opened(), "unix:dev,ino,ctime,size").toString();
                byte[] known = INDEXES.get(id);
                if (known == null) {
                    GitIndex.Read read = GitIndex.read(bytes(p), 20);
                    known = read == null || read.sharedIndex() != null ? null
                            : String.join("\0", read.gitlinks()).getBytes(StandardCharsets.UTF_8);
                    if (known != null) INDEXES.put(id, known);
                }
                if (known != null) {
                    String links = new String(known, StandardCharsets.UTF_8);
                    for (String link : links.isEmpty() ? List.<String>of() : List.of(links.split("\0"))) addPointer(prefix, link, depth);
                    return;
                }
                addGitlinks(bytes(p), prefix, depth, g);
            }
        }

        private void addGitlinks(byte[] index, String prefix, int depth, HostTree g) throws IOException {
            GitIndex.Read read = GitIndex.read(index, 20);
            if (read == null) read = GitIndex.read(index, 32);
            if (read == null) {
                walk = true;
                return;
            }
            List<String> links = new ArrayList<>(read.gitlinks());
            if (read.sharedIndex() != null && g != null) {
                // a split index: the shared one holds the other entries (both read: more gitlinks looked at, never fewer)
                try (HostTree.Node shared = g.at("sharedindex." + read.sharedIndex())) {
                    if (shared instanceof HostTree.Plain p && p.size() <= READ_LIMIT) {
                        GitIndex.Read more = GitIndex.read(bytes(p), read.sharedIndex().length() / 2);
                        if (more == null) walk = true;
                        else links.addAll(more.gitlinks());
                    }
                }
            }
            for (String link : links) addPointer(prefix, link, depth);
        }

        private void addPointer(String prefix, String link, int depth) {
            if (!link.isEmpty() && !link.startsWith("/") && !Path.of(link).normalize().startsWith("..")) {
                pointers.add(Map.entry(prefix + link + "/.git", Math.max(depth, 1)));
            }
        }

        /** The git folders of submodules in {@code g}'s {@code modules} (a name may hold slashes). */
        private void modules(HostTree g, String rel, int depth) throws IOException {
            try (HostTree modules = g.existing("modules")) {
                if (modules != null) moduleFolders(modules, rel + "/modules", depth, 0);
            }
        }

        private void moduleFolders(HostTree folder, String rel, int depth, int level) throws IOException {
            if (level > DEPTH || depth > DEPTH) return;
            for (String name : folder.names()) {
                try (HostTree sub = folder.existing(name)) {
                    if (sub == null) continue;
                    if (sub.names().contains("HEAD")) gitdir(sub, rel + "/" + name, null, depth + 1);
                    else moduleFolders(sub, rel + "/" + name, depth, level + 1);
                }
            }
        }

        /** A {@code commondir} names the git folder whose config and hooks this one uses too. */
        private void commondir(HostTree g, String rel, int depth) throws IOException {
            try (HostTree.Node common = g.at("commondir")) {
                if (common instanceof HostTree.Plain p) {
                    String target = new String(bytes(p), StandardCharsets.UTF_8).strip();
                    if (target.isEmpty()) return;
                    Optional<Target> at = insideFolder(top, target, Path.of(rel));
                    if (at == null) risky(g, "commondir", rel + "/commondir", agents(p.opened()),
                            "it points git at a folder through a link, where coi cannot look");
                    else if (at.isPresent()) {
                        try (HostTree c = at.get().folder()) {
                            if (depth < DEPTH) gitdir(c, at.get().rel(), null, depth + 1);
                        }
                    }
                } else if (common instanceof HostTree.Link) {
                    risky(g, "commondir", rel + "/commondir", agents(g, "commondir"), "a link git would follow");
                }
            }
        }

        /** The repository a config belongs to: its git folder and its worktree (null when not known), relative to the workspace. */
        private record Repo(String gitdir, String worktree, boolean own) {
            Repo(String gitdir, String worktree) {
                this(gitdir, worktree, false);
            }
        }

        /**
         * A config file: risky when the agent wrote it and it sets a key outside {@link #SAFE}. One of
         * the user's is read only for what it points at in the workspace: the files it includes, its
         * hooks folder ({@code core.hooksPath}), its fsmonitor program, each looked at as the agent's
         * to write.
         */
        private void config(HostTree folder, String name, String rel, int level, Repo repo) throws IOException {
            try (HostTree.Node node = folder.at(name)) {
                switch (node) {
                    case null -> { }
                    case HostTree.Plain p -> {
                        // the workspace's own config is mounted read-only: the user's (with --writable-git-hooks too: the user's choice)
                        boolean agents = !(level == 0 && repo.own()) && agents(p.opened());
                        if (p.size() > READ_LIMIT) {
                            risky(folder, name, rel, agents, "larger than any config");
                            return;
                        }
                        byte[] content = bytes(p);
                        String lower = new String(content, StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT);
                        boolean points = lower.contains("include") || lower.contains("hookspath") || lower.contains("fsmonitor");
                        if (!agents && !points) return;
                        Optional<List<String[]>> keys = parsed(p, content);
                        if (keys == null) {
                            if (agents) risky(folder, name, rel, true, "one of more nested repositories than coi reads in one look");
                            else complete = false;
                            return;
                        }
                        if (agents) {
                            if (keys.isEmpty()) {
                                risky(folder, name, rel, true, "git cannot read it (or is not installed to read it)");
                                return;
                            }
                            List<String> unsafe = keys.get().stream().map(k -> k[0]).filter(k -> !safe(k)).distinct().toList();
                            if (!unsafe.isEmpty()) {
                                risky(folder, name, rel, true, "it sets " + String.join(", ", unsafe.subList(0, Math.min(3, unsafe.size())))
                                        + (unsafe.size() > 3 ? " and more" : "") + " (the agent's; git settings other than a few plain ones are"
                                        + " not kept from a session, as they can run commands)");
                                return;
                            }
                        }
                        if (keys.isPresent() && level < DEPTH) pointedAt(keys.get(), rel, level, repo);
                    }
                    case HostTree.Link l -> risky(folder, name, rel, agents(folder, name), "a link git would follow");
                    default -> { }
                }
            }
        }

        /** Configs read by git, by the file's identity (device, inode, change time, size): each is read once while it stays. */
        private Optional<List<String[]>> parsed(HostTree.Plain p, byte[] content) throws IOException {
            String id = Files.readAttributes(p.opened(), "unix:dev,ino,ctime,size").toString();
            Optional<List<String[]>> known = PARSED.get(id);
            if (known != null) return known;
            if (++parses > PARSES) return null;
            Optional<List<String[]>> read = Optional.ofNullable(GitConfig.keys(content));
            PARSED.put(id, read);
            return read;
        }

        /** What a config points at in the workspace: included files, the hooks folder, the fsmonitor program. */
        private void pointedAt(List<String[]> keys, String rel, int level, Repo repo) throws IOException {
            String hooksPath = null, fsmonitor = null, coreWorktree = null;
            for (String[] k : keys) {
                if (k[1] == null) continue;
                switch (k[0]) {
                    case "core.hookspath" -> hooksPath = k[1];
                    case "core.fsmonitor" -> fsmonitor = k[1];
                    case "core.worktree" -> coreWorktree = k[1];
                    default -> {
                        boolean include = k[0].equals("include.path") || k[0].startsWith("includeif.") && k[0].endsWith(".path");
                        // relative to the config's own folder
                        Path in = include ? within(k[1], Path.of(rel).getParent()) : null;
                        if (in != null) at(in, (folder, name) -> config(folder, name, in.toString(), level + 1, repo));
                    }
                }
            }
            // hooks and the fsmonitor run in the worktree's top (a bare repository's: its git folder)
            Path base = repo.worktree() != null ? Path.of(repo.worktree())
                    : coreWorktree != null ? within(coreWorktree, Path.of(repo.gitdir())) : Path.of(repo.gitdir());
            if (hooksPath != null && base != null) {
                Path hooks = within(hooksPath, base);
                if (hooks != null) at(hooks, (folder, name) -> hooksFolder(folder, name, hooks.toString()));
            }
            if (fsmonitor != null && base != null && !fsmonitor.isBlank() && !fsmonitor.equals("true") && !fsmonitor.equals("false")
                    && !fsmonitor.contains(" ")) {
                Path program = within(fsmonitor, base);
                if (program != null) at(program, (folder, name) -> program(folder, name, program.toString()));
            }
        }

        /** A program a config of the user's names in the workspace: risky when the agent wrote it (or a link in its place). */
        private void program(HostTree folder, String name, String rel) throws IOException {
            try (HostTree.Node node = folder.at(name)) {
                boolean agents = switch (node) {
                    case HostTree.Plain p -> agents(p.opened());
                    case HostTree.Link l -> agents(folder, name);
                    case null, default -> false;
                };
                risky(folder, name, rel, agents, "a program your git config runs, which the agent wrote");
            }
        }

        /** {@code path} (absolute, or relative to {@code from}) relative to the workspace when it lies in it, else null. */
        private Path within(String path, Path from) {
            if (path.startsWith("~")) return null;
            try {
                Path t = Path.of(path);
                if (t.isAbsolute()) return relative(t).orElse(null);
                Path rel = (from == null ? t : from.resolve(t)).normalize();
                return rel.toString().isEmpty() || rel.startsWith("..") ? null : rel;
            } catch (RuntimeException unreadable) {
                return null;
            }
        }

        /** A step at {@code rel}'s last name in its folder, reached without a link. */
        private interface AtName {
            void run(HostTree folder, String name) throws IOException;
        }

        private void at(Path rel, AtName step) throws IOException {
            try (Walked w = Walked.to(top, rel.getParent())) {
                if (w != null) step.run(w.folder(), rel.getFileName().toString());
            }
        }

        /** A hooks folder with a hook the agent wrote (an executable file, a link, not a sample) is risky. */
        private void hooks(HostTree g, String rel) throws IOException {
            hooksFolder(g, "hooks", rel + "/hooks");
        }

        private void hooksFolder(HostTree parent, String name, String rel) throws IOException {
            try (HostTree.Node node = parent.at(name)) {
                switch (node) {
                    case HostTree.Folder f -> {
                        List<String> live = new ArrayList<>();
                        for (String hookName : f.tree().names()) {
                            if (hookName.endsWith(".sample")) continue;
                            try (HostTree.Node hook = f.tree().at(hookName)) {
                                boolean runs = hook instanceof HostTree.Plain p && (p.mode() & 0111) != 0 && agents(p.opened())
                                        || hook instanceof HostTree.Link && agents(f.tree(), hookName);
                                if (runs) live.add(hookName);
                            }
                        }
                        if (!live.isEmpty()) risky(parent, name, rel, true, "the agent's hook " + String.join(", ", live)
                                + " would run on your machine at git's next commit, checkout or status there");
                    }
                    case HostTree.Link l -> risky(parent, name, rel, agents(parent, name), "a link git would follow");
                    case null, default -> { }
                }
            }
        }

        /**
         * An absolute path relative to the workspace when it leads into it: by the workspace's path,
         * its real path, or (links followed, as git would) to a real path below it.
         */
        private Optional<Path> relative(Path absolute) {
            Path n = absolute.normalize();
            if (n.startsWith(state.workspace())) return Optional.of(state.workspace().relativize(n));
            if (n.startsWith(real)) return Optional.of(real.relativize(n));
            try {
                Path resolved = n.toRealPath();
                if (resolved.startsWith(real)) return Optional.of(real.relativize(resolved));
            } catch (IOException | RuntimeException nowhere) {
                // leads nowhere (yet): nothing there for git to read
            }
            return Optional.empty();
        }

        private static boolean safe(String key) {
            if (SAFE.contains(key)) return true;
            int first = key.indexOf('.'), last = key.lastIndexOf('.');
            return first != last && SAFE.contains(key.substring(0, first) + ".*" + key.substring(last));
        }

        /** Moves {@code name} in {@code folder} aside when {@code agents} (the agent may have written it). */
        private void risky(HostTree folder, String name, String rel, boolean agents, String why) throws IOException {
            if (!agents) return;
            for (int n = 1; n < 100; n++) {
                String to = name + SUFFIX + (n == 1 ? "" : "-" + n);
                int errno = folder.move(name, to);
                if (errno == 0) {
                    Path at = state.workspace().resolve(rel);
                    moved.add(new Quarantined(at, at.resolveSibling(to), why));
                    return;
                }
                if (errno != coi.LinuxAbi.EEXIST) {
                    if (errno != coi.LinuxAbi.ENOENT) complete = false;
                    return;
                }
            }
            complete = false;
        }

        private boolean agents(Path opened) throws IOException {
            return state.agents(nanos((FileTime) Files.getAttribute(opened, "unix:ctime")));
        }

        private boolean agents(HostTree folder, String name) throws IOException {
            return state.agents(nanos((FileTime) Files.getAttribute(folder.opened().resolve(name), "unix:ctime", LinkOption.NOFOLLOW_LINKS)));
        }

        private static byte[] bytes(HostTree.Plain p) throws IOException {
            ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(p.size(), 1 << 20));
            p.copyTo(out);
            return out.toByteArray();
        }

        /** {@code gitdir: PATH} of a pointer file. */
        private static Optional<String> gitdirOf(HostTree.Plain pointer) throws IOException {
            if (pointer.size() > 64 * 1024) return Optional.empty();
            String text = new String(bytes(pointer), StandardCharsets.UTF_8);
            if (!text.startsWith("gitdir: ")) return Optional.empty();
            String target = text.substring("gitdir: ".length()).strip();
            return target.isEmpty() ? Optional.empty() : Optional.of(target);
        }
    }

    /** A link on the way to a folder git would follow and coi does not. */
    private static final class LinkOnTheWay extends IOException {
        LinkOnTheWay() {
            super("a link on the way");
        }
    }

    /** A folder reached from the workspace without following a link, with those opened on the way. */
    private record Walked(HostTree folder, List<HostTree> opened) implements AutoCloseable {
        /** The folder {@code rel} (null: the top itself, not closed here); null when it is not there or a link is on the way. */
        static Walked to(HostTree top, Path rel) throws IOException {
            try {
                return folder(top, rel);
            } catch (LinkOnTheWay link) {
                return null;
            }
        }

        /** As {@link #to}, but a link on the way throws {@link LinkOnTheWay}. */
        static Walked folder(HostTree top, Path rel) throws IOException {
            List<HostTree> opened = new ArrayList<>();
            HostTree at = top;
            if (rel != null && !rel.toString().isEmpty()) {
                try {
                    for (Path part : rel) {
                        String name = part.toString();
                        if (name.equals(".")) continue;
                        if (name.equals("..")) {
                            opened.forEach(HostTree::close);
                            return null;
                        }
                        HostTree next = at.existing(name);
                        if (next == null) {
                            boolean link;
                            try (HostTree.Node node = at.at(name)) {
                                link = node instanceof HostTree.Link;
                            }
                            opened.forEach(HostTree::close);
                            if (link) throw new LinkOnTheWay();
                            return null;
                        }
                        opened.add(next);
                        at = next;
                    }
                } catch (IOException | RuntimeException e) {
                    if (!(e instanceof LinkOnTheWay)) opened.forEach(HostTree::close);
                    throw e;
                }
            }
            return new Walked(at, opened);
        }

        /** The folder reached, which the caller closes; what was opened before it is closed now. */
        HostTree take() throws IOException {
            if (opened.isEmpty()) return HostTree.open(folder.opened());
            for (int i = 0; i < opened.size() - 1; i++) opened.get(i).close();
            return opened.getLast();
        }

        @Override
        public void close() {
            opened.forEach(HostTree::close);
        }
    }

    /** Config keys as git itself reads them (`git config --file - --list`), so that no trick of the syntax reads differently. */
    static final class GitConfig {
        private GitConfig() {}

        /** Each key (lowercased section and name, the subsection as written) with its value (null for a bare key); null when git cannot read it. */
        static List<String[]> keys(byte[] content) {
            ProcessBuilder pb = new ProcessBuilder("git", "config", "--no-includes", "--file", "-", "--list", "-z");
            pb.environment().keySet().removeIf(k -> k.startsWith("GIT_"));
            pb.environment().put("GIT_CONFIG_NOSYSTEM", "1");
            pb.environment().put("GIT_CONFIG_GLOBAL", "/dev/null");
            pb.directory(new java.io.File("/"));
            pb.redirectError(ProcessBuilder.Redirect.DISCARD);
            try {
                Process p = pb.start();
                Thread writer = Thread.ofVirtual().start(() -> {
                    try (var in = p.getOutputStream()) {
                        in.write(content);
                    } catch (IOException closed) {
                        // git stopped reading: its exit says why
                    }
                });
                byte[] out = p.getInputStream().readAllBytes();
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    return null;
                }
                writer.join();
                if (p.exitValue() != 0) return null;
                List<String[]> keys = new ArrayList<>();
                for (String entry : new String(out, StandardCharsets.UTF_8).split("\0")) {
                    if (entry.isEmpty()) continue;
                    int nl = entry.indexOf('\n');
                    String key = nl < 0 ? entry : entry.substring(0, nl);
                    int first = key.indexOf('.'), last = key.lastIndexOf('.');
                    // section and name are case-insensitive (git lowercases them), a subsection is not
                    String normal = first == last ? key.toLowerCase(Locale.ROOT)
                            : key.substring(0, first).toLowerCase(Locale.ROOT) + key.substring(first, last + 1) + key.substring(last + 1).toLowerCase(Locale.ROOT);
                    keys.add(new String[] {normal, nl < 0 ? null : entry.substring(nl + 1)});
                }
                return keys;
            } catch (IOException e) {
                return null;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
    }
}
