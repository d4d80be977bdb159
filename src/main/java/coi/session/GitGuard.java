package coi.session;

import coi.CoiException;
import coi.incus.HostTree;
import coi.incus.Model;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
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
 * <p>The workspace's own config, hooks and info are protected by mounts ({@link Protection}). The rest
 * is not: a submodule's git folder ({@code .git/modules/NAME}), any repository the agent makes and
 * commits as a gitlink ({@code git init sub; git add sub}), the workspace's own {@code commondir},
 * {@code config.worktree} and linked worktrees' folders. A plain `git status` in the
 * workspace on the host enters each gitlink and reads that repository's config, where
 * {@code core.fsmonitor} is a command git runs; an editor opens the repositories in the top-level
 * folders by itself and runs git there. Mounts cannot cover paths the agent chooses, so coi looks
 * after the fact, on the host:
 * <ul>
 * <li><b>When the agent could write.</b> Every launch opens a window for its workspace folder (this
 *     record, {@code gitguard/<key>.tsv}, kept by the folder's identity like the {@link
 *     Placeholders}'); a check that finds no container of the workspace left (any state but
 *     Stopped) and no launch holding it closes the window. A start without a launch (by hand, or
 *     Incus's own after a reboot) is found by the container's last start: the windows are joined
 *     over it ({@link #startedUnseen}). A file's change time (ctime), which no
 *     one can set back, inside a window marks it as possibly the agent's, wherever it is now and
 *     whenever the window was: a config written in one session and moved into place in a later one
 *     is still the agent's. The user's changes outside sessions are the user's.</li>
 * <li><b>What git runs.</b> In each git folder as git finds it ({@link Scan}): a config (and
 *     {@code config.worktree}, and files it includes) with any key outside a short list of keys that
 *     run nothing ({@link #SAFE}), read by git itself, or a worktree that does not lead back; a hooks
 *     folder with a hook in it; a {@code .git} pointer or {@code commondir} leading out of the
 *     workspace (the agent can write other host folders: its state folder is mounted too); a link in
 *     place of any of them. The user's own configs are read for the hooks folder, fsmonitor program
 *     and included files they name in the workspace.</li>
 * <li><b>Moved aside,</b> never deleted: {@code config} becomes {@code config.coi-quarantined} (git
 *     works without a config), {@code hooks} becomes {@code hooks.coi-quarantined}; each by a rename
 *     relative to the folder it was found in, reached from the workspace without following a link.</li>
 * </ul>
 * Checks run where the placeholders are swept: in the background process as it lists containers
 * and as it exits, at the end of a session in the foreground (which says what it moved), in the
 * helper that ends a `coi run`, and in `coi clean`. While a window is open the quick look covers the
 * gitlinks git enters (read from the indexes, {@link GitIndex}), the submodules' and worktrees' git
 * folders and the top-level folders; the check that closes a window looks for every {@code .git} and
 * every folder with a {@code HEAD} in the workspace. What cannot be moved or looked at is said, and
 * keeps the window open. Between a write and the next check (seconds while the background process runs, else
 * the session's end) git on the host can still run it.
 */
public final class GitGuard {
    private static final String FOLDER = "gitguard";
    private static final String HEADER = "# coi: when agents could write this workspace; git settings changed then are the agent's";
    private static final String WORKSPACE = "workspace\t", IDENTITY = "folder\t", LAUNCHES = "launches\t", WINDOW = "window\t",
            MOUNTED = "mounted\t", WITH = "with\t";
    /** The folders mounted writable beside a workspace that its record names, to check with it: the last ones launched with. */
    private static final int WITH_MOST = 64;
    static final String SUFFIX = ".coi-quarantined";
    /** A ctime is the kernel's coarse clock: windows are widened by this on each side. */
    private static final Duration SLACK = Duration.ofSeconds(1);
    private static final long OPEN = Long.MAX_VALUE;
    /** Windows kept per workspace; beyond, the two oldest merge (wider, so more is the agent's). */
    private static final int WINDOWS = 500;
    /** Nested repositories below nested repositories followed this deep. */
    private static final int DEPTH = 8;
    /** The most a full look walks (entries); the most it reads of a config, a pointer, an index outside; submodule folder levels. */
    private static final long WALK_LIMIT = 5_000_000;
    private static final int CONFIG_LIMIT = 1 << 20, POINTER_LIMIT = 64 * 1024, INDEX_LIMIT = 64 << 20, MODULE_LEVELS = 64;
    /** The most gitlinks an index may name for the look to go by it; beyond, the look walks the workspace instead. */
    private static final int MAX_GITLINKS = 10_000;
    /** The most configs git reads in one look (about 16 ms each). */
    private static final int PARSES = 200;
    /** The most folders one look makes readable again. */
    private static final int RESTORES = 1_000;
    /** Records whose full look could not finish, when (System.nanoTime); tried again after {@link #RETRY}. */
    private static final Map<Path, Long> UNFINISHED = new java.util.concurrent.ConcurrentHashMap<>(), WALKED = new java.util.concurrent.ConcurrentHashMap<>();
    /** Per record, the starts ({@code name@last_used_at}) last found to be of other folders than its own: not looked at again. */
    private static final Map<Path, List<String>> UNSEEN_LOOKED = new java.util.concurrent.ConcurrentHashMap<>();
    private static final Duration RETRY = Duration.ofMinutes(1);
    /** The time one look gives git to read HEAD's .gitmodules, all repositories together; past it they are covered unread. */
    static Duration gitReadBudget = Duration.ofSeconds(10);
    /** What indexes named (gitlinks, .gitmodules), by their file's identity; the most recently used 64. */
    private static final Map<String, GitIndex.Read> INDEXES = recent(64);
    /** Configs git read, by a digest of their content (see {@code Scan.parsed}); the most recently used 4,096. */
    private static final Map<String, Optional<List<String[]>>> PARSED = recent(4096);

    /** A map that keeps the {@code most} entries used last (and is safe to share between threads). */
    private static <V> Map<String, V> recent(int most) {
        return java.util.Collections.synchronizedMap(new java.util.LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
                return size() > most;
            }
        });
    }

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

    /**
     * What a check did with {@code path} and why: {@link Outcome#MOVED} to {@code to}; {@link Outcome#NOT_MOVED} when it
     * could not move or look at it ({@code to} null); {@link Outcome#MADE_READABLE} for a folder it made readable again and
     * looked inside ({@code to} the path itself); {@link Outcome#COVERED} for an empty file it put at {@code path} (also
     * {@code to}) so that git reads that one.
     */
    public record Quarantined(Outcome outcome, Path path, Path to, String why) {
        public enum Outcome { MOVED, NOT_MOVED, MADE_READABLE, COVERED }

        static Quarantined moved(Path path, Path to, String why) {
            return new Quarantined(Outcome.MOVED, path, to, why);
        }

        static Quarantined notMoved(Path path, String why) {
            return new Quarantined(Outcome.NOT_MOVED, path, null, why);
        }

        /** An empty file coi put at {@code path} so that git reads it instead of the one it would read otherwise. */
        static Quarantined covered(Path path, String why) {
            return new Quarantined(Outcome.COVERED, path, path, why);
        }

        /** A folder the agent had made unreadable, which coi made readable to its owner again and looked inside. */
        static Quarantined readable(Path folder) {
            return new Quarantined(Outcome.MADE_READABLE, folder, folder, "the agent had taken its read permission away");
        }

        public String describe() {
            return switch (outcome) {
                case MOVED -> "moved " + path + " to " + to.getFileName() + ": " + why;
                case NOT_MOVED -> "not moved: " + path + ": " + why;
                case MADE_READABLE -> "made readable again (u+rx) and looked inside: " + path + ": " + why;
                case COVERED -> "put an empty " + path + " in place: " + why;
            };
        }
    }

    /** A time the agent could write, in nanoseconds since the epoch; {@code end} OPEN while it lasts. */
    record Window(long start, long end) {
        /** Whether time {@code t} lies in this window (its ends included). */
        boolean holds(long t) {
            return t >= start && t <= end;
        }

        /** Whether the last of {@code windows} is still open. */
        static boolean open(List<Window> windows) {
            return !windows.isEmpty() && windows.getLast().end() == OPEN;
        }
    }

    /**
     * A workspace's record: its path and folder identity, how many launches there were, and its windows. {@code mounted}:
     * the folder was mounted writable into a session as an extra folder (`--mount`, `[[mounts]]`, the storage folder) at
     * least once, where nothing of its own {@code .git} is read-only: that is looked at as the agent's to write too.
     * {@code with}: the folders mounted writable beside this workspace, checked whenever it is.
     */
    record State(Path workspace, String folder, long launches, List<Window> windows, boolean mounted, List<Path> with) {
        State {
            windows = List.copyOf(windows);
            with = List.copyOf(with);
        }

        State(Path workspace, String folder, long launches, List<Window> windows) {
            this(workspace, folder, launches, windows, false, List.of());
        }

        State withWindows(List<Window> changed) {
            return new State(workspace, folder, launches, changed, mounted, with);
        }

        boolean open() {
            return Window.open(windows);
        }

        /** Whether a change at {@code ctime} may be the agent's. */
        boolean agents(long ctime) {
            for (Window w : windows) {
                if (w.holds(ctime)) return true;
            }
            return false;
        }
    }

    /**
     * Readies the file calls a check makes ({@link HostTree}'s, see {@link coi.FileCalls}) on a thread of its own, while
     * the session runs: without libcoi-unix.so their FFM links take a tenth of a second or more, with it a moment.
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
     * The same for each folder in {@code mounts} (held here), which the session can write as well.
     */
    static void launched(Path root, Path workspace, String folder, List<Path> mounts) {
        launched(root, workspace, folder, mounts, List.of());
    }

    /**
     * As {@link #launched(Path, Path, String, List)}, given the workspace's containers as the launch listed them: a start
     * of one that no window holds joins the windows first ({@link #startedUnseen}), before this launch starts it again and
     * its last start is this one.
     */
    static void launched(Path root, Path workspace, String folder, List<Path> mounts, java.util.Collection<Model.Instance> instances) {
        List<Path> with = new ArrayList<>();
        for (Path m : mounts) {
            // by its real path, as Incus mounts it (a link on the way may be re-pointed later, by the agent in its workspace);
            // a file mounted writable is the user's choice to share, not a folder a repository can be made in
            try {
                Path real = m.toRealPath();
                if (Files.isDirectory(real) && real.toString().indexOf('\n') < 0) with.add(real);
            } catch (IOException gone) {
                // nothing there to mount
            }
        }
        // a mount of the workspace's folder or of one above it makes the workspace's own .git writable through it
        opened(root, workspace, folder, with.stream().anyMatch(m -> within(workspace, m)), with, instances);
        for (Path m : with) opened(root, m, Placeholders.hold(root, m), true, List.of(), instances);
    }

    /**
     * A folder mounted writable into a running session of {@code workspace} by hand (`coi container mount`): its window opens
     * as a `--mount` folder's does; with a workspace that is gone, the folder's alone.
     */
    public static void mountedBeside(Path root, Path workspace, Path source) {
        String folder;
        try {
            folder = Placeholders.hold(root, workspace);
        } catch (CoiException gone) {
            if (Files.isDirectory(source)) opened(root, source, Placeholders.hold(root, source), true, List.of(), List.of());
            return;
        }
        launched(root, workspace, folder, List.of(source));
    }

    /** Whether {@code folder} is {@code above} or lies below it, by real paths (one that cannot be resolved: yes). */
    private static boolean within(Path folder, Path above) {
        try {
            return folder.toRealPath().startsWith(above.toRealPath());
        } catch (IOException e) {
            return true;
        }
    }

    /** One folder's window opened (a launch counted, {@code mounted} kept once set, {@code with} added to the last ones). */
    private static void opened(Path root, Path workspace, String folder, boolean mounted, List<Path> with,
                               java.util.Collection<Model.Instance> instances) {
        Path file = recordFile(root, Placeholders.key(folder));
        try {
            Placeholders.locked(root, folder, alone -> {
                State was = read(file).filter(s -> s.folder().equals(folder)).orElse(new State(workspace, folder, 0, List.of()));
                List<Window> windows = was.windows();
                for (long at : unseenStarts(workspace, folder, windows, instances)) windows = covering(windows, at);
                windows = new ArrayList<>(windows);
                if (!Window.open(windows)) windows.add(new Window(nanos(Instant.now().minus(SLACK)), OPEN));
                java.util.LinkedHashSet<Path> beside = new java.util.LinkedHashSet<>(was.with());
                beside.removeAll(with);
                beside.addAll(with);
                List<Path> kept = new ArrayList<>(beside);
                write(file, new State(workspace, folder, was.launches() + 1, merged(windows), was.mounted() || mounted,
                        kept.subList(Math.max(0, kept.size() - WITH_MOST), kept.size())));
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
        Supplier<List<Model.Instance>> listed = once(instances);
        Path file;
        try {
            file = recordFile(root, Placeholders.key(Placeholders.folderIdentity(workspace)));
        } catch (IOException gone) {
            return List.of();
        }
        List<Quarantined> moved = new ArrayList<>(checkOne(root, file, instances, listed));
        // and the folders mounted writable beside it (the look that closes a window walks the whole folder: a mounted home
        // folder takes a while; no background process may come after a `coi run` to do it)
        for (Path m : read(file).map(State::with).orElse(List.of())) {
            try {
                Path beside = recordFile(root, Placeholders.key(Placeholders.folderIdentity(m)));
                if (!beside.equals(file)) moved.addAll(checkOne(root, beside, instances, listed));
            } catch (IOException gone) {
                // moved or gone: the background process and `coi clean` check every record
            }
        }
        return moved;
    }

    /**
     * Checks every workspace with an open window (the background process, `coi clean`), and every one a container of
     * which started without a window ({@link #startedUnseen}).
     */
    public static List<Quarantined> checkAll(Path root, Supplier<List<Model.Instance>> instances) {
        Supplier<List<Model.Instance>> listed = once(instances);
        List<Quarantined> moved = new ArrayList<>();
        for (Path file : Placeholders.records(root.resolve(FOLDER))) moved.addAll(checkOne(root, file, instances, listed));
        return moved;
    }

    /**
     * {@code instances} asked once, when first needed (a daemon that cannot be asked is asked again): for finding starts
     * without a window, where a list a few seconds old misses nothing a later check does not find. Whether a window may
     * close is asked of a fresh list, under the folder's lock.
     */
    private static Supplier<List<Model.Instance>> once(Supplier<List<Model.Instance>> instances) {
        List<List<Model.Instance>> got = new ArrayList<>(1);
        return () -> {
            if (got.isEmpty()) got.add(instances.get());
            return got.getFirst();
        };
    }

    private static List<Quarantined> checkOne(Path root, Path file, Supplier<List<Model.Instance>> instances,
                                              Supplier<List<Model.Instance>> listed) {
        Optional<State> found = read(file);
        if (found.isEmpty()) return List.of();
        if (!file.getFileName().toString().equals(Placeholders.key(found.get().folder()) + ".tsv")) return List.of();
        State state = widened(root, file, found.get(), listed);
        if (!state.open()) return state.windows().equals(found.get().windows()) ? List.of() : lookBehind(root, file, state);
        try {
            // whether the window may close: no launch holds the folder and no container of it is left, asked under its lock;
            // it closes at the time of that answer, after a full look, unless a launch came meanwhile
            long[] closeAt = {0};
            State now = Placeholders.locked(root, state.folder(), alone -> {
                State s = read(file).orElse(state);
                if (alone && s.open()) {
                    try {
                        List<Model.Instance> left = instances.get().stream().filter(i -> !"Stopped".equals(i.status())).toList();
                        if (!Placeholders.inUse(left, s.workspace(), s.folder()) && !Placeholders.mountedWritable(left, s.workspace(), s.folder())) {
                            closeAt[0] = nanos(Instant.now().plus(SLACK));
                        }
                    } catch (RuntimeException daemon) {
                        // a daemon that cannot be asked: the window stays open
                    }
                }
                return s;
            });
            // a full look that could not finish (a folder it cannot read), and a walk for an index that cannot be read, are tried
            // again after a while, not at every check
            Long failed = UNFINISHED.get(file), walkedAt = WALKED.get(file);
            if (failed != null && System.nanoTime() - failed < RETRY.toNanos()) closeAt[0] = 0;
            Scan scan = new Scan(now, closeAt[0] != 0, walkedAt == null || System.nanoTime() - walkedAt >= RETRY.toNanos());
            scan.run();
            if (scan.walked) WALKED.put(file, System.nanoTime());
            if (closeAt[0] != 0 && !scan.complete) UNFINISHED.put(file, System.nanoTime());
            if (closeAt[0] != 0 && scan.complete) {
                UNFINISHED.remove(file);
                Placeholders.locked(root, state.folder(), alone -> {
                    State s = read(file).orElse(null);
                    if (s == null || s.launches() != now.launches() || !s.open()) return null;
                    List<Window> windows = new ArrayList<>(s.windows());
                    windows.set(windows.size() - 1, new Window(windows.getLast().start(), closeAt[0]));
                    write(file, s.withWindows(windows));
                    return null;
                });
            }
            return scan.moved;
        } catch (IOException | RuntimeException | OutOfMemoryError | StackOverflowError e) {
            // whatever the agent made of the workspace: the window stays open, a later check looks again
            return List.of();
        }
    }

    /**
     * {@code state} with its windows joined over each start of a container of its folder that no window holds: a start
     * coi did not open one for (`incus start` or `incus restart` by hand, `coi container start`, Incus starting a
     * container again as the daemon comes up), found by the container's last start (Incus's last_used_at, which no one in
     * the container can set). The agent ran from then on, for as long as is not known: the windows before and after
     * it become one (the last one open again when none follows). A pool member's start before its claim is left out:
     * no session had it then. A workspace not there now, or a daemon that cannot be asked, changes nothing.
     */
    static State startedUnseen(Path root, Path file, State state, Supplier<List<Model.Instance>> instances) throws IOException {
        List<Model.Instance> unseen;
        try {
            unseen = unseen(state.windows(), instances.get());
        } catch (RuntimeException daemon) {
            return state;
        }
        // the same starts looked at for this record already, and none of them was of its folder: no look at the folder again
        List<String> asked = unseen.stream().map(i -> i.name() + "@" + i.lastUsedAt()).sorted().toList();
        if (asked.isEmpty() || asked.equals(UNSEEN_LOOKED.get(file))) return state;
        List<Long> starts = startsUsing(state.workspace(), state.folder(), unseen);
        if (starts.isEmpty()) {
            // a folder not there now (unmounted, say) is looked at again once it is
            if (Files.isDirectory(state.workspace(), LinkOption.NOFOLLOW_LINKS)) UNSEEN_LOOKED.put(file, asked);
            return state;
        }
        return Placeholders.locked(root, state.folder(), alone -> {
            State s = read(file).orElse(state);
            List<Window> windows = s.windows();
            for (long at : starts) windows = covering(windows, at);
            if (windows.equals(s.windows())) return s;
            State widened = s.withWindows(windows);
            write(file, widened);
            return widened;
        });
    }

    /**
     * The last starts of those of {@code instances} known to use folder {@code folder} (pool members aside) which no
     * window holds.
     */
    private static List<Long> unseenStarts(Path workspace, String folder, List<Window> windows, java.util.Collection<Model.Instance> instances) {
        return startsUsing(workspace, folder, unseen(windows, instances));
    }

    /**
     * Those of {@code instances} whose last start no window of {@code windows} holds: no look at any folder yet. A pool
     * member's start before its claim is left out (it started before any session had it); one after (a claimed member
     * started again by hand) is not.
     */
    private static List<Model.Instance> unseen(List<Window> windows, java.util.Collection<Model.Instance> instances) {
        return instances.stream().filter(i -> {
            long at = lastStart(i);
            return at != 0 && at > claimed(i) && windows.stream().noneMatch(w -> w.holds(at));
        }).toList();
    }

    /** When pool member {@code i} was claimed, in epoch nanoseconds; Long.MAX_VALUE for a member not claimed (or before claims said when); 0 for any other instance. */
    private static long claimed(Model.Instance i) {
        if (!coi.pool.Pool.member(i)) return 0;
        String at = i.configValue(coi.pool.Pool.CLAIMED_AT);
        try {
            return at == null ? Long.MAX_VALUE : nanos(Instant.parse(at));
        } catch (java.time.format.DateTimeParseException e) {
            return Long.MAX_VALUE;
        }
    }

    /** The last starts of those of {@code unseen} known to use folder {@code folder}. */
    private static List<Long> startsUsing(Path workspace, String folder, List<Model.Instance> unseen) {
        if (unseen.isEmpty() || !Files.isDirectory(workspace, LinkOption.NOFOLLOW_LINKS)) return List.of();
        return Placeholders.using(unseen, workspace, folder).stream().map(GitGuard::lastStart).toList();
    }

    /**
     * A closed record whose windows were just joined over a start behind its last close: the full look of a closing
     * window, now, as the look that closed it did not know of that start. The record stays closed (what the user wrote
     * since is theirs); a look that cannot finish opens its last window again, so later checks look again.
     */
    private static List<Quarantined> lookBehind(Path root, Path file, State state) {
        try {
            Scan scan = new Scan(state, true, true);
            scan.run();
            if (!scan.complete) {
                Placeholders.locked(root, state.folder(), alone -> {
                    State s = read(file).orElse(null);
                    if (s == null || s.open()) return null;
                    List<Window> windows = new ArrayList<>(s.windows());
                    windows.set(windows.size() - 1, new Window(windows.getLast().start(), OPEN));
                    write(file, s.withWindows(windows));
                    return null;
                });
            }
            return scan.moved;
        } catch (IOException | RuntimeException | OutOfMemoryError | StackOverflowError e) {
            return List.of();
        }
    }

    /** {@link #startedUnseen}, or {@code state} as it was when that cannot be had (the record cannot be written). */
    private static State widened(Path root, Path file, State state, Supplier<List<Model.Instance>> listed) {
        try {
            return startedUnseen(root, file, state, listed);
        } catch (IOException | RuntimeException e) {
            return state;
        }
    }

    /** When {@code i} last started, in epoch nanoseconds; 0 when never (Incus says 1970) or not known. */
    private static long lastStart(Model.Instance i) {
        if (i.lastUsedAt() == null) return 0;
        try {
            Instant at = Instant.parse(i.lastUsedAt());
            return at.isAfter(Instant.EPOCH.plus(Duration.ofDays(1))) ? nanos(at) : 0;
        } catch (java.time.format.DateTimeParseException e) {
            return 0;
        }
    }

    /** {@code windows} (in order, apart) made to hold {@code at}: the gap it falls in joined to the windows around it. */
    static List<Window> covering(List<Window> windows, long at) {
        int after = 0;
        while (after < windows.size() && windows.get(after).start() <= at) after++;
        if (after > 0 && at <= windows.get(after - 1).end()) return windows;
        List<Window> w = new ArrayList<>(windows);
        long slack = SLACK.toNanos();
        if (w.isEmpty()) w.add(new Window(at - slack, OPEN));
        else if (after == 0) w.set(0, new Window(at - slack, w.getFirst().end()));
        else if (after == w.size()) w.set(after - 1, new Window(w.get(after - 1).start(), OPEN));
        else w.set(after - 1, new Window(w.get(after - 1).start(), w.remove(after).end()));
        return w;
    }

    static List<Window> merged(List<Window> windows) {
        List<Window> w = new ArrayList<>(windows);
        while (w.size() > WINDOWS) w.set(0, new Window(w.get(0).start(), w.remove(1).end()));
        return w;
    }

    static Optional<State> read(Path file) {
        Optional<List<String>> all = Placeholders.lines(file);
        if (all.isEmpty()) return Optional.empty();
        List<String> lines = all.get();
        Path workspace = null;
        String folder = null;
        long launches = 0;
        boolean mounted = false;
        List<Window> windows = new ArrayList<>();
        List<Path> with = new ArrayList<>();
        try {
            for (String line : lines) {
                if (line.startsWith(WORKSPACE)) workspace = Path.of(line.substring(WORKSPACE.length()));
                else if (line.startsWith(IDENTITY)) folder = line.substring(IDENTITY.length());
                else if (line.startsWith(LAUNCHES)) launches = Long.parseLong(line.substring(LAUNCHES.length()));
                else if (line.startsWith(MOUNTED)) mounted = true;
                else if (line.startsWith(WITH)) with.add(Path.of(line.substring(WITH.length())));
                else if (line.startsWith(WINDOW)) {
                    String[] f = line.split("\t");
                    windows.add(new Window(Long.parseLong(f[1]), f[2].equals("open") ? OPEN : Long.parseLong(f[2])));
                }
            }
        } catch (RuntimeException unreadable) {
            return Optional.empty();
        }
        return workspace == null || !workspace.isAbsolute() || folder == null ? Optional.empty()
                : Optional.of(new State(workspace, folder, launches, windows, mounted, with));
    }

    private static void write(Path file, State s) throws IOException {
        StringBuilder text = new StringBuilder(HEADER).append('\n').append(WORKSPACE).append(s.workspace()).append('\n')
                .append(IDENTITY).append(s.folder()).append('\n').append(LAUNCHES).append(s.launches()).append('\n');
        if (s.mounted()) text.append(MOUNTED).append("yes\n");
        for (Path w : s.with()) text.append(WITH).append(w).append('\n');
        for (Window w : s.windows()) {
            text.append(WINDOW).append(w.start()).append('\t').append(w.end() == OPEN ? "open" : String.valueOf(w.end())).append('\n');
        }
        Files.createDirectories(file.getParent());
        coi.AtomicFile.write(file, text.toString().getBytes(StandardCharsets.UTF_8));
    }

    static Path recordFile(Path root, String key) {
        return root.resolve(FOLDER).resolve(key + ".tsv");
    }

    /** A digest of {@code content} (SHA-256, hex). */
    static String digest(byte[] content) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(content));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static long nanos(Instant t) {
        return TimeUnit.SECONDS.toNanos(t.getEpochSecond()) + t.getNano();
    }

    private static long nanos(FileTime t) {
        return nanos(t.toInstant());
    }

    // ------------------------------------------------------------------ the look

    /**
     * One look at a workspace's nested repositories, moving aside what is risky and the agent's.
     * Nodes are told apart by instanceof, not by pattern switches: the JVM spins a class for each
     * pattern switch at its first run, which the AOT cache does not hold, and this look ends every
     * `coi run` (six such switches cost an empty workspace's look 25-30 ms, 2026-12-08).
     */
    static final class Scan {
        private final State state;
        private final boolean everywhere, mayWalk;
        final List<Quarantined> moved = new ArrayList<>();
        /** False when something could not be looked at: the window stays open. */
        boolean complete = true;
        /** Whether this look walked the whole workspace. */
        boolean walked;
        /** Git folders looked at, by identity: whether their index was read too. */
        private final Map<Object, Boolean> seen = new HashMap<>();
        /** {@code .git} entries to look at (relative to the workspace) with their depth. */
        private final Deque<Map.Entry<String, Integer>> pointers = new ArrayDeque<>();
        /** Folders that may be git folders themselves (git takes one with HEAD, objects and refs for a bare repository). */
        private final Deque<String> bare = new ArrayDeque<>();
        private boolean walk;
        /** The workspace folder, open while the look runs, and its real path. */
        private HostTree top;
        private Path real;
        /** Configs read by git in this look: at most {@link #PARSES}. */
        private int parses;
        /** Folders made readable again in this look: at most {@link #RESTORES}. */
        private int restored;
        /** How long git took in this look to read HEAD's .gitmodules (an object file made a FIFO holds it): at most {@link #gitReadBudget}. */
        private Duration gitReads = Duration.ZERO;
        /** Worktrees whose {@code .gitmodules} this look judged (relative to the workspace). */
        private final Set<String> modulesLooked = new java.util.HashSet<>();

        /** {@code everywhere}: walk the whole workspace; {@code mayWalk}: walk it when an index cannot be read. */
        Scan(State state, boolean everywhere, boolean mayWalk) {
            this.state = state;
            this.everywhere = everywhere;
            this.mayWalk = everywhere || mayWalk;
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
                // the workspace's own repository: its config, hooks and info are mounted read-only, the rest of its git folder is
                // the agent's (a commondir, a config.worktree, its linked worktrees' folders), and its gitlinks and submodules
                try (HostTree.Node own = top.at(".git")) {
                    if (state.mounted()) {
                        // a folder mounted writable: its own git folder is the agent's to write whole, looked at as a nested one's
                        pointer(".git", 0);
                        // a home folder mounted: the user's own git config, which every repository reads
                        config(top, ".gitconfig", ".gitconfig", 0, new Repo(".", null));
                        try (Walked at = Walked.to(top, Path.of(".config/git"))) {
                            if (at != null) config(at.folder(), "config", ".config/git/config", 0, new Repo(".", null));
                        }
                    } else if (own instanceof HostTree.Folder f) {
                        seen.put(Files.readAttributes(f.tree().opened(), BasicFileAttributes.class).fileKey(), true);
                        gitlinks(f.tree(), "", 0);
                        config(f.tree(), "config", ".git/config", 0, new Repo(".git", "", true));
                        config(f.tree(), "config.worktree", ".git/config.worktree", 0, new Repo(".git", "", false));
                        modulesLooked.add("");
                        gitmodules(f.tree(), ".git", "");
                        stateFolders(f.tree(), ".git");
                        commondir(f.tree(), ".git", 0);
                        worktrees(f.tree(), ".git", 0);
                        modules(f.tree(), ".git", 0);
                    } else if (own instanceof HostTree.Plain p) {
                        outsideIndex(p);
                    }
                } catch (IOException | RuntimeException e) {
                    complete = false;
                    walk = true;
                }
                // the folder itself made a git folder (a HEAD, objects and refs at its top): git takes it for one where its
                // .git is none (a placeholder), so its config and hooks are the agent's when written in a window
                try {
                    topGitFolder();
                } catch (IOException | RuntimeException e) {
                    complete = false;
                }
                // what an editor opens by itself: a repository in a top-level folder, or a top-level folder that is one
                for (String name : top.names()) {
                    if (name.equals(".git")) continue;
                    if (unspellable(name)) {
                        cannot(name, "a top-level folder whose name is not UTF-8");
                        continue;
                    }
                    pointers.add(Map.entry(name + "/.git", 1));
                    bare.add(name);
                }
                // each on its own: one that cannot be looked at (whatever the agent made of it) leaves the others looked at
                do {
                    if (!walked && (everywhere || walk && mayWalk)) {
                        walked = true;
                        walkAll();
                    }
                    while (!pointers.isEmpty() || !bare.isEmpty()) {
                        String at = null;
                        Map.Entry<String, Integer> next = null;
                        try {
                            if (!pointers.isEmpty()) {
                                next = pointers.poll();
                                at = next.getKey();
                                pointer(at, next.getValue());
                            } else {
                                at = bare.poll();
                                bareFolder(at);
                            }
                        } catch (java.nio.file.InvalidPathException unreadable) {
                            cannot(at, "a name this locale cannot spell");
                        } catch (java.nio.file.AccessDeniedException denied) {
                            // a folder the agent made unreadable on the way, or in the git folder (its hooks): readable again, looked at again
                            Path file = Path.of(denied.getFile());
                            boolean inside = file.startsWith(state.workspace()) && !file.equals(state.workspace());
                            blocked = null;
                            if (inside && restore(state.workspace().relativize(file).toString(), 0) != null) {
                                if (next != null) pointers.addFirst(next);
                                else bare.addFirst(at);
                            } else if (inside) {
                                cannotRead(blocked != null ? blocked : state.workspace().relativize(file).toString());
                            } else {
                                cannot(at, "on the way to it, a folder coi cannot read (" + denied.getFile() + "; git may still enter it)");
                            }
                        } catch (IOException | RuntimeException e) {
                            complete = false;
                        }
                    }
                } while (!walked && walk && mayWalk);
                if (walk && !walked) complete = false;
            }
        }

        /** Whether git takes {@code folder} for a git folder, as its is_git_directory: a HEAD, and a commondir or objects and refs (links followed, so any kind counts). */
        private static boolean gitFolder(HostTree folder) throws IOException {
            try (HostTree.Node head = folder.at("HEAD"); HostTree.Node common = folder.at("commondir");
                 HostTree.Node objects = folder.at("objects"); HostTree.Node refs = folder.at("refs")) {
                return (head instanceof HostTree.Plain || head instanceof HostTree.Link) && (common != null || objects != null && refs != null);
            }
        }

        /** The top folder as a git folder itself (as {@link #bareFolder}): its config and hooks, judged by when they changed. */
        private void topGitFolder() throws IOException {
            if (!gitFolder(top)) return;
            config(top, "config", "config", 0, new Repo(".", null));
            hooks(top, "");
            stateFolders(top, "");
            commondir(top, "", 0);
        }

        /** A worktree's pointer to the workspace's repository elsewhere: its index names the gitlinks. */
        private void outsideIndex(HostTree.Plain pointer) throws IOException {
            String target = gitPath(pointer, "gitdir: ");
            if (target == null) return;
            Path gitdir = real.resolve(target).normalize();
            // read without blocking or following a link at its end (it may lie in the workspace)
            coi.PlainFile.Outcome index = coi.PlainFile.read(gitdir.resolve("index"), INDEX_LIMIT);
            if (index instanceof coi.PlainFile.Content(byte[] bytes)) addGitlinks(GitIndex.read(ByteBuffer.wrap(bytes), 20, MAX_GITLINKS), "", 0);
            else if (!(index instanceof coi.PlainFile.Absent)) walk = true;
        }

        /**
         * Every {@code .git}, and every folder with a HEAD, in the workspace, without following links. A folder coi cannot
         * read (the agent's chmod 000, 111 or 600: git still enters one it may search by a name it knows) is made readable
         * to its owner again and walked too, when it changed while the agent could write ({@link #restore}); otherwise it
         * is said, once.
         */
        private void walkAll() {
            Set<String> found = new TreeSet<>(), heads = new TreeSet<>(), unreadable = new TreeSet<>();
            long[] entries = {0};
            Deque<Path> starts = new ArrayDeque<>(List.of(real));
            while (!starts.isEmpty()) {
                walk(starts.poll(), entries, found, heads, unreadable);
                Set<String> again = new TreeSet<>();
                for (String rel : List.copyOf(unreadable)) {
                    unreadable.remove(rel);
                    // below a folder made readable just now: walked again from there
                    if (again.stream().anyMatch(a -> rel.startsWith(a + "/"))) continue;
                    blocked = null;
                    String from = restore(rel, 0);
                    if (from != null) {
                        again.add(from);
                        starts.add(real.resolve(from));
                    } else {
                        cannotRead(blocked != null ? blocked : rel);
                    }
                }
            }
            for (String rel : found) {
                if (unspellable(rel)) cannot(rel, "a repository whose path is not UTF-8");
                else pointers.add(Map.entry(rel, 1));
            }
            for (String rel : heads) {
                if (unspellable(rel)) cannot(rel, "a git folder whose path is not UTF-8");
                else bare.add(rel);
            }
        }

        /** One walk from {@code from} (a folder in the workspace), adding what it finds, relative to the workspace. */
        private void walk(Path from, long[] entries, Set<String> found, Set<String> heads, Set<String> unreadable) {
            // from its real path: a walk does not enter a link it starts at
            Path ws = real;
            try {
                Files.walkFileTree(from, new SimpleFileVisitor<>() {
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
                        String name = file.getFileName().toString();
                        if (name.equals(".git") && !file.getParent().equals(ws)) found.add(ws.relativize(file).toString());
                        if (name.equals("HEAD") && !file.getParent().equals(ws)) heads.add(ws.relativize(file.getParent()).toString());
                        return FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult visitFileFailed(Path file, IOException e) {
                        // gone meanwhile is nothing; a folder coi cannot read (the agent's chmod 111) may hide a repository
                        if (!(e instanceof java.nio.file.NoSuchFileException)) unreadable.add(ws.relativize(file).toString());
                        return FileVisitResult.CONTINUE;
                    }
                });
            } catch (IOException | RuntimeException e) {
                complete = false;
            }
        }

        /** What {@link #cannotRead} said already in this look. */
        private final Set<String> unreadableSaid = new java.util.HashSet<>();

        /** A folder (or file) at {@code rel} coi cannot read and may not make readable: said once in a look. */
        private void cannotRead(String rel) {
            if (unreadableSaid.add(rel)) cannot(rel, "a folder coi cannot read (git may still enter it)");
        }

        /** Where {@link #restore} last stopped at a folder above that could not be made searchable (said instead of each entry). */
        private String blocked;

        /**
         * Makes the folder at {@code rel}, which coi could not read, readable and searchable to its owner again: only one
         * that changed while the agent could write (its chmod is such a change), reached without a link on the way, at
         * most {@link #RESTORES} in one look. A folder above it that lets coi list it but not enter it (chmod 600) is made
         * searchable first. Returns the folder to look at again from (relative to the workspace: {@code rel}, or the
         * folder above it that was made searchable); null when nothing was changed.
         */
        private String restore(String rel, int depth) {
            if (rel.isEmpty() || unspellable(rel) || restored >= RESTORES || depth > MODULE_LEVELS) return null;
            Path path = Path.of(rel), above = path.getParent();
            String name = path.getFileName().toString();
            try (Walked parent = Walked.to(top, above)) {
                HostTree folder = parent == null ? (above == null ? top : null) : parent.folder();
                if (folder == null) return null;
                boolean mine;
                try {
                    mine = agents(folder, name);
                } catch (java.nio.file.AccessDeniedException noSearch) {
                    if (above == null) return null;
                    String from = restore(above.toString(), depth + 1);
                    if (from == null && blocked == null) blocked = above.toString();
                    return from;
                }
                if (!mine || !folder.allowRead(name)) return null;
                restored++;
                moved.add(Quarantined.readable(state.workspace().resolve(rel)));
                return rel;
            } catch (IOException | RuntimeException e) {
                return null;
            }
        }

        /** The {@code .git} at {@code rel}: a git folder, a pointer to one, or a link. */
        private void pointer(String rel, int depth) throws IOException {
            Path path = Path.of(rel), parent = path.getParent();
            // the top's own (a mounted folder's) is in the worktree "", the workspace's top
            String worktree = parent == null ? "" : parent.toString();
            try (Walked at = Walked.to(top, parent)) {
                if (at == null) return;
                try (HostTree.Node node = at.folder().at(".git")) {
                    if (node instanceof HostTree.Folder f) gitdir(f.tree(), rel, worktree, depth);
                    else if (node instanceof HostTree.Plain p) {
                        if (parent == null) outsideIndex(p);
                        String target = gitPath(p, "gitdir: ");
                        if (target != null) led(at.folder(), ".git", rel, agents(p.opened()), locate(parent, target), worktree, depth);
                    } else if (node instanceof HostTree.Link) {
                        risky(at.folder(), ".git", rel, agents(at.folder(), ".git"), "a link git would follow to a repository elsewhere");
                    }
                }
            }
        }

        /**
         * What a pointer ({@code .git} file, {@code commondir}) at {@code name} in {@code folder} leads
         * to: a git folder in the workspace is looked at; one outside it, or where coi cannot tell, is
         * the agent's to have written (a session's state folder is mounted into the container too), so
         * the pointer goes aside when the agent wrote it.
         */
        private void led(HostTree folder, String name, String rel, boolean agents, Located to, String worktree, int depth) throws IOException {
            switch (to.kind()) {
                case INSIDE -> {
                    try (Walked g = Walked.folder(top, to.rel())) {
                        if (g == null) return;
                        if (depth < DEPTH) gitdir(g.folder(), to.rel().toString(), worktree, depth);
                        else complete = false;
                    } catch (LinkOnTheWay raced) {
                        risky(folder, name, rel, agents, "it points git through a link that came while coi looked");
                    }
                }
                case OUTSIDE -> risky(folder, name, rel, agents, "it points git at " + to.shown()
                        + ", outside the workspace, where coi does not look");
                case UNKNOWN -> risky(folder, name, rel, agents, "coi cannot tell where it points git");
                case NOWHERE -> { }
            }
        }

        /** Where {@code path} (absolute, or relative to the workspace's {@code base}) leads, links followed as git follows them. */
        private Located locate(Path base, String path) {
            // a path that was not UTF-8 cannot be followed here
            if (unspellable(path)) return new Located(Kind.UNKNOWN, null, path);
            Path resolved;
            try {
                Path p = Path.of(path);
                resolved = (p.isAbsolute() ? p : real.resolve(base == null ? Path.of("") : base).resolve(p)).toRealPath();
            } catch (java.nio.file.NoSuchFileException nothing) {
                return new Located(Kind.NOWHERE, null, path);
            } catch (IOException | RuntimeException e) {
                return new Located(Kind.UNKNOWN, null, path);
            }
            return resolved.startsWith(real) ? new Located(Kind.INSIDE, real.relativize(resolved), path)
                    : new Located(Kind.OUTSIDE, null, resolved.toString());
        }

        enum Kind { INSIDE, OUTSIDE, NOWHERE, UNKNOWN }

        /** A path as git would take it: inside the workspace ({@code rel} relative to it), outside it, nowhere, or not known. */
        record Located(Kind kind, Path rel, String shown) {}

        /** A git folder {@code g} found at {@code rel}, of the worktree {@code worktree} (null when not known). */
        private void gitdir(HostTree g, String rel, String worktree, int depth) throws IOException {
            Object id = Files.readAttributes(g.opened(), BasicFileAttributes.class).fileKey();
            String effective = worktree;
            if (!seen.containsKey(id)) {
                seen.put(id, false);
                Repo repo = new Repo(rel, worktree);
                List<String[]> kept;
                try {
                    kept = config(g, "config", rel + "/config", 0, repo);
                    config(g, "config.worktree", rel + "/config.worktree", 0, repo);
                    hooks(g, rel);
                    stateFolders(g, rel);
                    commondir(g, rel, depth);
                    worktrees(g, rel, depth);
                    modules(g, rel, depth);
                } catch (IOException | RuntimeException e) {
                    // not looked at whole: a look again (after a folder in it was made readable) goes through it all
                    seen.remove(id);
                    throw e;
                }
                // gitlinks lie in the worktree the config names, when it names one (the user's; the agent's must name this one)
                String named = kept == null ? null : last(kept, "core.worktree");
                if (named != null) {
                    Located w = locate(Path.of(rel), named);
                    if (w.kind() == Kind.INSIDE) effective = w.rel().toString();
                }
            }
            // each worktree's once, by the git folder that first names it (a linked worktree's, a submodule's without
            // core.worktree: a later visit through its .git pointer names the worktree the first one did not know)
            if (effective != null && modulesLooked.add(effective)) gitmodules(g, rel, effective);
            if (effective != null && !seen.get(id) && depth < DEPTH) {
                seen.put(id, true);
                gitlinks(g, effective.isEmpty() ? "" : effective + "/", depth + 1);
            }
        }

        /**
         * The {@code .gitmodules} of worktree {@code worktree} (of git folder {@code g}) when the agent wrote it: `git
         * submodule sync` copies each submodule's URL into the superproject's config and the submodule's remote as the
         * user's own, where no later look tells it from theirs, and a push to a repository on this machine runs its hooks.
         * Such a URL, or a program's, takes the file aside, and an empty one takes its place ({@link #storedGitmodules} says
         * why). A relative URL is resolved as git resolves it ({@link #resolved}).
         */
        private void gitmodules(HostTree g, String gitRel, String worktree) throws IOException {
            try (Walked at = Walked.to(top, Path.of(worktree))) {
                if (at == null) return;
                HostTree folder = at.folder();
                String rel = under(worktree, ".gitmodules");
                try (HostTree.Node node = folder.at(".gitmodules")) {
                    if (node instanceof HostTree.Plain p) {
                        if (!agents(p.opened())) return;
                        if (p.size() > CONFIG_LIMIT) {
                            risky(folder, ".gitmodules", rel, true, "larger than any .gitmodules (" + p.size() + " bytes)");
                            return;
                        }
                        Optional<List<String[]>> keys = parsed(p.readAll());
                        if (keys == null) {
                            risky(folder, ".gitmodules", rel, true, "one of more nested repositories than coi reads in one look");
                            return;
                        }
                        List<String> risks = submoduleRisks(g, keys.orElse(List.of()));
                        if (risks.isEmpty()) return;
                        if (risky(folder, ".gitmodules", rel, true, "it sets " + firstFew(risks) + " (the agent's: `git submodule sync` would"
                                + " make it a submodule's remote in your configs, and a push there runs its hooks); an empty .gitmodules takes its"
                                + " place, as git would read the index's or HEAD's where the worktree has none")) {
                            emptyGitmodules(folder, rel, "the agent's .gitmodules was moved aside");
                        }
                    } else if (node instanceof HostTree.Link) {
                        risky(folder, ".gitmodules", rel, agents(folder, ".gitmodules"), "a link in place of .gitmodules");
                    } else if (node == null) {
                        storedGitmodules(g, gitRel, folder, rel);
                    }
                }
            }
        }

        /** The submodule URLs of .gitmodules {@code keys} (of the repository of git folder {@code g}) that lead to this machine or a program. */
        private List<String> submoduleRisks(HostTree g, List<String[]> keys) throws IOException {
            List<String> risks = new ArrayList<>();
            List<String> remotes = null;
            for (String[] k : keys) {
                if (!k[0].startsWith("submodule.") || !k[0].endsWith(".url") || k[1] == null) continue;
                boolean relative = k[1].startsWith("./") || k[1].startsWith("../");
                if (relative && remotes == null) remotes = defaultRemotes(g);
                Transport to = unspellable(k[1]) ? Transport.PROGRAM : relative ? resolved(remotes, k[1]) : Transport.of(k[1]);
                switch (to) {
                    case HERE -> risks.add(k[0] + " (" + (relative ? "relative, to " : "") + "a repository on this machine)");
                    case PROGRAM -> risks.add(k[0] + " (a remote helper, or not UTF-8)");
                    case ELSEWHERE -> { }
                }
            }
            return risks;
        }

        /**
         * No .gitmodules in the worktree: git then reads the index's, else HEAD's, which the agent can write (stage or commit
         * one and take the worktree's away; skip-worktree hides that from `git status`). An index's coi does not read (a
         * replace ref, a split index or an object file rewritten in place make it read otherwise than git): where the
         * index holds a .gitmodules, or coi cannot read the index, an empty .gitmodules goes in the worktree, which git
         * reads instead. HEAD's is read where the index names submodules (gitlinks, or a sparse folder that may hide some)
         * and holds none (a staged deletion, or a HEAD the agent moved): by git itself ({@link GitObjects}), and covered the
         * same way when it sets a URL {@link #submoduleRisks} names, or is not read. The user's committed one is one
         * `git checkout .gitmodules` away.
         */
        private void storedGitmodules(HostTree g, String gitRel, HostTree folder, String rel) throws IOException {
            GitIndex.Read index = index(g);
            String why;
            if (index == UNREADABLE) {
                why = "the index, which coi cannot read, may hold a .gitmodules, and the worktree has none, so git may read the index's"
                        + " (the agent's to write)";
            } else if (index == null) {
                return;
            } else if (index.gitmodules() != null) {
                why = "the index holds a .gitmodules and the worktree has none, so git reads the index's (the agent's to write in ways"
                        + " coi cannot read as git does)";
            } else if (!index.gitlinks().isEmpty() || index.sparse()) {
                why = headGitmodules(g, gitRel);
                if (why == null) return;
            } else {
                return;
            }
            why += ": `git submodule sync` would make its URLs your submodules' remotes; restore yours with `git checkout .gitmodules`"
                    + " when you trust it";
            if (emptyGitmodules(folder, rel, why)) moved.add(Quarantined.covered(state.workspace().resolve(rel), why));
        }

        /**
         * An empty .gitmodules made in {@code folder} (at {@code rel}), which git reads instead of the index's or HEAD's:
         * whether it was made; one that cannot be made (another there already aside) is said, with {@code why}.
         */
        private boolean emptyGitmodules(HostTree folder, String rel, String why) throws IOException {
            int errno = folder.createEmpty(".gitmodules", 0644);
            if (errno != 0 && errno != coi.LinuxAbi.EEXIST) {
                cannot(rel, why + "; no empty .gitmodules could be put in its place (" + coi.LinuxAbi.reason(errno) + ")");
            }
            return errno == 0;
        }

        /** Why HEAD's .gitmodules (read by git, within what is left of this look's {@link #gitReadBudget}) is to be covered; null when it is not. */
        private String headGitmodules(HostTree g, String gitRel) throws IOException {
            String head = "the index holds no .gitmodules and the worktree has none, so git reads HEAD's";
            if (gitReads.compareTo(gitReadBudget) >= 0) return head + ", which coi had no time left to read in this look";
            Path gitDir = real.resolve(gitRel);
            long t0 = System.nanoTime();
            GitObjects.Blob blob = GitObjects.headFile(gitDir, ".gitmodules", CONFIG_LIMIT, gitReadBudget.minus(gitReads));
            gitReads = gitReads.plusNanos(System.nanoTime() - t0);
            if (blob instanceof GitObjects.Blob.Failed failed) return head + ", which coi did not read (" + failed.why() + ")";
            if (blob instanceof GitObjects.Blob.TooLarge) return head + ", larger than any .gitmodules";
            if (!(blob instanceof GitObjects.Blob.Content c)) return null; // None
            Optional<List<String[]>> keys = parsed(c.bytes());
            if (keys == null) return head + ", in one of more nested repositories than coi reads in one look";
            List<String> risks = submoduleRisks(g, keys.orElse(List.of()));
            return risks.isEmpty() ? null : head + ", which sets " + firstFew(risks);
        }

        /**
         * The URLs a relative submodule URL of the repository of git folder {@code g} may be resolved against: git takes the
         * URL of the default remote of the branch checked out (else of {@code origin}), or the superproject's own folder
         * when that remote has no URL (null here: a path on this machine). Where HEAD names no branch plainly
         * ({@link #checkedOut}), every remote a branch names and {@code origin} are taken; a config that cannot be read
         * gives null alone.
         */
        private List<String> defaultRemotes(HostTree g) throws IOException {
            List<String[]> keys = new ArrayList<>();
            for (String name : List.of("config", "config.worktree")) {
                try (HostTree.Node node = g.at(name)) {
                    if (node == null) continue;
                    if (!(node instanceof HostTree.Plain p) || p.size() > CONFIG_LIMIT) return java.util.Collections.singletonList(null);
                    Optional<List<String[]>> read = parsed(p.readAll());
                    if (read == null || read.isEmpty()) return java.util.Collections.singletonList(null);
                    keys.addAll(read.get());
                }
            }
            Set<String> named = new java.util.LinkedHashSet<>();
            String branch = checkedOut(g);
            if (branch != null) {
                // the branch's remote, else origin (git's get_default_remote)
                String remote = last(keys, "branch." + branch + ".remote");
                named.add(remote != null ? remote : "origin");
            } else {
                named.add("origin");
                for (String[] k : keys) {
                    if (k[0].startsWith("branch.") && k[0].endsWith(".remote") && k[1] != null) named.add(k[1]);
                }
            }
            List<String> urls = new ArrayList<>();
            for (String remote : named) urls.add(last(keys, "remote." + remote + ".url"));
            return urls;
        }

        /**
         * The branch git folder {@code g}'s HEAD names, when it names one plainly ({@code ref: refs/heads/NAME}, NAME not a
         * link or a symbolic ref of its own, in a git folder with no common folder elsewhere); else null.
         */
        private static String checkedOut(HostTree g) throws IOException {
            try (HostTree.Node head = g.at("HEAD"); HostTree.Node common = g.at("commondir")) {
                if (common != null || !(head instanceof HostTree.Plain p) || p.size() > POINTER_LIMIT) return null;
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("ref: refs/heads/([A-Za-z0-9._/-]+)\n").matcher(
                        new String(p.readAll(), StandardCharsets.UTF_8));
                if (!m.matches() || m.group(1).contains("..") || m.group(1).contains("//") || m.group(1).endsWith("/")) return null;
                String name = m.group(1);
                try (Walked at = Walked.to(g, Path.of("refs/heads", name).getParent()); HostTree.Node ref = at == null ? null
                        : at.folder().at(Path.of(name).getFileName().toString())) {
                    if (at == null) return null;
                    // packed, or not made yet: git takes the name; a loose one must name a commit, not another ref
                    if (ref == null) return name;
                    if (!(ref instanceof HostTree.Plain r) || r.size() > POINTER_LIMIT) return null;
                    return new String(r.readAll(), StandardCharsets.UTF_8).startsWith("ref:") ? null : name;
                }
            }
        }

        /** Where relative submodule URL {@code url} leads against each of {@code remotes} ({@link #defaultRemotes}): the nearest. */
        private static Transport resolved(List<String> remotes, String url) {
            Transport nearest = Transport.ELSEWHERE;
            for (String remote : remotes) {
                // no URL: git resolves against the superproject's own folder, a path here
                String to = remote == null ? "/" + url : relativeUrl(remote, url);
                Transport t = to == null ? Transport.ELSEWHERE : Transport.of(to);
                if (t != Transport.ELSEWHERE) nearest = t;
            }
            return nearest;
        }

        /**
         * git's relative_url (remote.c, git 2.39): a relative URL ({@code ./}, {@code ../}) resolved against {@code remote},
         * the URL of the superproject's remote; null where git stops ("cannot strip one component off url").
         */
        static String relativeUrl(String remote, String url) {
            if (!Transport.localNotSsh(url) || url.startsWith("/")) return url;
            if (remote.isEmpty()) return null;
            String r = remote.endsWith("/") ? remote.substring(0, remote.length() - 1) : remote;
            boolean relative = Transport.localNotSsh(r) && !r.startsWith("/");
            if (relative && !r.startsWith("./") && !r.startsWith("../")) r = "./" + r;
            boolean colon = false;
            String rest = url;
            while (!rest.isEmpty()) {
                if (rest.startsWith("../")) {
                    rest = rest.substring(3);
                    int slash = r.lastIndexOf('/'), c = r.lastIndexOf(':');
                    if (slash >= 0) {
                        r = r.substring(0, slash);
                    } else if (c >= 0) {
                        r = r.substring(0, c);
                        colon = true;
                    } else if (relative || r.equals(".")) {
                        return null;
                    } else {
                        r = ".";
                    }
                } else if (rest.startsWith("./")) {
                    rest = rest.substring(2);
                } else {
                    break;
                }
            }
            String out = r + (colon ? ":" : "/") + rest;
            if (rest.endsWith("/")) out = out.substring(0, out.length() - 1);
            return out.startsWith("./") ? out.substring(2) : out;
        }

        /** A folder that may be a git folder itself (a bare repository, or one given a worktree): looked at when it is one. */
        private void bareFolder(String rel) throws IOException {
            try (Walked at = Walked.to(top, Path.of(rel))) {
                if (at == null) return;
                if (gitFolder(at.folder())) gitdir(at.folder(), rel, null, 1);
            }
        }

        /** The gitlinks of git folder {@code g}'s index, as pointers below {@code prefix}. */
        private void gitlinks(HostTree g, String prefix, int depth) throws IOException {
            GitIndex.Read read = index(g);
            if (read != null) for (String link : read.gitlinks()) addPointer(prefix, link, depth);
        }

        /** An index coi could not read whole (another kind of file, another hash, a format it does not read exactly). */
        private static final GitIndex.Read UNREADABLE = new GitIndex.Read(List.of(), null, null, false);

        /**
         * What git folder {@code g}'s index names: null when it has none, {@link #UNREADABLE} when it could not be read
         * whole (the look then walks the workspace instead).
         */
        private GitIndex.Read index(HostTree g) throws IOException {
            try (HostTree.Node index = g.at("index")) {
                if (index == null) return null;
                if (!(index instanceof HostTree.Plain p)) {
                    walk = true;
                    return UNREADABLE;
                }
                // by identity, as configs: a large index is read once while it stays (git replaces it whole when it writes it)
                // (not in the look that closes a window: a rewrite within one tick of a coarse clock keeps the change time)
                String id = Files.readAttributes(p.opened(), "unix:dev,ino,ctime,lastModifiedTime,size").toString();
                GitIndex.Read known = everywhere ? null : INDEXES.get(id);
                if (known != null) return known;
                GitIndex.Read read = mapped(p);
                if (read != null && read.sharedIndex() != null) {
                    // a split index: the shared one holds the other entries (both read: more gitlinks looked at, never fewer)
                    try (HostTree.Node shared = g.at("sharedindex." + read.sharedIndex())) {
                        if (shared instanceof HostTree.Plain s) {
                            GitIndex.Read more = mapped(s);
                            if (more == null) walk = true;
                            else read = new GitIndex.Read(concat(read.gitlinks(), more.gitlinks()), null,
                                    read.gitmodules() != null ? read.gitmodules() : more.gitmodules(), read.sparse() || more.sparse());
                        }
                    }
                }
                if (read == null) {
                    walk = true;
                    return UNREADABLE;
                }
                INDEXES.put(id, read);
                return read;
            }
        }

        /** An index read mapped, not onto the heap (it may be larger than the background process's whole heap); null as {@link GitIndex#read}. */
        private static GitIndex.Read mapped(HostTree.Plain index) throws IOException {
            try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(index.opened(), java.nio.file.StandardOpenOption.READ)) {
                long size = channel.size();
                if (size > Integer.MAX_VALUE) return null;
                java.nio.MappedByteBuffer mapped = channel.map(java.nio.channels.FileChannel.MapMode.READ_ONLY, 0, size);
                // SHA-1, else SHA-256 (a repository of extensions.objectFormat = sha256): only one reads to the exact end
                GitIndex.Read read = GitIndex.read(mapped, 20, MAX_GITLINKS);
                return read != null ? read : GitIndex.read(mapped, 32, MAX_GITLINKS);
            }
        }

        private static List<String> concat(List<String> a, List<String> b) {
            List<String> all = new ArrayList<>(a);
            all.addAll(b);
            return all;
        }

        private void addGitlinks(GitIndex.Read read, String prefix, int depth) {
            if (read == null) {
                walk = true;
                return;
            }
            for (String link : read.gitlinks()) addPointer(prefix, link, depth);
        }

        private void addPointer(String prefix, String link, int depth) {
            if (unspellable(link)) {
                cannot(prefix + link, "a gitlink whose name is not UTF-8");
                return;
            }
            if (link.isEmpty()) return;
            boolean plain = !link.startsWith("/") && java.util.Arrays.stream(link.split("/")).noneMatch(n -> n.isEmpty() || n.equals(".") || n.equals(".."));
            if (plain) {
                pointers.add(Map.entry(prefix + link + "/.git", Math.max(depth, 1)));
                return;
            }
            // a name git never writes (an index written by hand): where the file system takes it, as git would
            Located at = locate(prefix.isEmpty() ? Path.of("") : Path.of(prefix), link);
            switch (at.kind()) {
                case INSIDE -> pointers.add(Map.entry((at.rel().toString().isEmpty() ? "" : at.rel() + "/") + ".git", Math.max(depth, 1)));
                case OUTSIDE, UNKNOWN -> cannot(prefix + link, "a gitlink that leads out of the workspace or nowhere coi can tell");
                case NOWHERE -> { }
            }
        }

        /** The git folders of submodules in {@code g}'s {@code modules} (a name may hold slashes): every folder there with a HEAD. */
        private void modules(HostTree g, String rel, int depth) throws IOException {
            try (HostTree.Node modules = g.at("modules")) {
                if (modules instanceof HostTree.Folder f) moduleFolders(f.tree(), rel + "/modules", depth, 0);
                else if (modules instanceof HostTree.Link) risky(g, "modules", rel + "/modules", agents(g, "modules"), "a link git would follow");
            }
        }

        private void moduleFolders(HostTree folder, String rel, int depth, int level) throws IOException {
            if (level > MODULE_LEVELS || depth > DEPTH) {
                cannot(rel, "submodule folders nested deeper than coi looks");
                return;
            }
            gitFolders(folder, rel, "submodule", (sub, subRel) -> {
                if (sub.names().contains("HEAD")) gitdir(sub, subRel, null, depth + 1);
                else moduleFolders(sub, subRel, depth, level + 1);
            });
        }

        /** The folders of a repository's linked worktrees ({@code worktrees/ID}): each read by git as a git folder. */
        private void worktrees(HostTree g, String rel, int depth) throws IOException {
            try (HostTree worktrees = g.existing("worktrees")) {
                if (worktrees == null || depth >= DEPTH) return;
                gitFolders(worktrees, rel + "/worktrees", "worktree", (sub, subRel) -> gitdir(sub, subRel, linkedWorktree(sub, subRel), depth + 1));
            }
        }

        /**
         * The worktree of a linked worktree's git folder {@code sub}: the folder of the {@code .git} its {@code gitdir} file
         * names, when that lies in the workspace; else null. (Whatever it names is only looked at more.)
         */
        private String linkedWorktree(HostTree sub, String subRel) throws IOException {
            try (HostTree.Node file = sub.at("gitdir")) {
                if (!(file instanceof HostTree.Plain p)) return null;
                String target = gitPath(p, "");
                if (target == null || target.isEmpty()) return null;
                Located at = locate(Path.of(subRel), target);
                if (at.kind() != Kind.INSIDE || at.rel().getFileName() == null || !at.rel().getFileName().toString().equals(".git")) return null;
                return at.rel().getParent() == null ? "" : at.rel().getParent().toString();
            }
        }

        /** A step for a folder of {@link #gitFolders}, with its path relative to the workspace. */
        private interface FolderStep {
            void run(HostTree folder, String rel) throws IOException;
        }

        /**
         * The entries of {@code parent} (at {@code rel}) that git reads as {@code kind}s' git folders:
         * each folder to {@code step}; a link in place of one moved aside when the agent's; a name coi
         * cannot spell said.
         */
        private void gitFolders(HostTree parent, String rel, String kind, FolderStep step) throws IOException {
            for (String name : parent.names()) {
                if (unspellable(name)) {
                    cannot(rel + "/" + name, "a " + kind + " folder whose name is not UTF-8");
                    continue;
                }
                try (HostTree.Node node = parent.at(name)) {
                    if (node instanceof HostTree.Folder f) step.run(f.tree(), rel + "/" + name);
                    else if (node instanceof HostTree.Link) {
                        risky(parent, name, rel + "/" + name, agents(parent, name), "a link in place of a " + kind + "'s git folder, which git would follow");
                    }
                }
            }
        }

        /** A {@code commondir} names the git folder whose config and hooks this one uses too. */
        private void commondir(HostTree g, String rel, int depth) throws IOException {
            try (HostTree.Node common = g.at("commondir")) {
                if (common instanceof HostTree.Plain p) {
                    String target = gitPath(p, "");
                    if (target != null && !target.isEmpty()) {
                        led(g, "commondir", under(rel, "commondir"), agents(p.opened()), locate(Path.of(rel), target), null, depth + 1);
                    }
                } else if (common instanceof HostTree.Link) {
                    risky(g, "commondir", under(rel, "commondir"), agents(g, "commondir"), "a link git would follow");
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
         * A config file: risky when the agent wrote it and it sets a key outside {@link #SAFE}, or a
         * worktree other than the folder whose {@code .git} leads to it. One of the user's is read only
         * for what it points at in the workspace: the files it includes, its hooks folder
         * ({@code core.hooksPath}), its fsmonitor program, each looked at as the agent's to write.
         * Returns the keys of a config that stays (null when there is none, or it went, or was not read).
         */
        private List<String[]> config(HostTree folder, String name, String rel, int level, Repo repo) throws IOException {
            try (HostTree.Node node = folder.at(name)) {
                if (node instanceof HostTree.Link) {
                    risky(folder, name, rel, agents(folder, name), "a link git would follow");
                    return null;
                }
                if (!(node instanceof HostTree.Plain p)) return null;
                // the workspace's own config is mounted read-only: the user's (with --writable-git-hooks too: the user's choice)
                boolean agents = !(level == 0 && repo.own()) && agents(p.opened());
                if (p.size() > CONFIG_LIMIT) {
                    risky(folder, name, rel, agents, "larger than any config (" + p.size() + " bytes)");
                    return null;
                }
                byte[] content = p.readAll();
                String lower = new String(content, StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT);
                boolean points = lower.contains("include") || lower.contains("hookspath") || lower.contains("fsmonitor")
                        || lower.contains("worktree");
                if (!agents && !points) return null;
                Optional<List<String[]>> keys = parsed(content);
                if (keys == null) {
                    if (agents) risky(folder, name, rel, true, "one of more nested repositories than coi reads in one look");
                    else complete = false;
                    return null;
                }
                if (agents) {
                    if (keys.isEmpty()) {
                        risky(folder, name, rel, true, "git cannot read it (or is not installed to read it)");
                        return null;
                    }
                    List<String> unsafe = new ArrayList<>(keys.get().stream().map(k -> k[0]).filter(k -> !safe(k)).distinct().toList());
                    unsafe.addAll(remoteRisks(keys.get()));
                    // a name or value that was not UTF-8 reads here otherwise than git reads it (two such names look the same)
                    if (keys.get().stream().anyMatch(k -> unspellable(k[0]) || k[1] != null && unspellable(k[1]))) {
                        unsafe.add("a name or value that is not UTF-8");
                    }
                    String worktree = last(keys.get(), "core.worktree");
                    if (worktree != null && !leadsBack(worktree, repo)) unsafe.add("core.worktree (" + worktree + ")");
                    if (!unsafe.isEmpty()) {
                        risky(folder, name, rel, true, "it sets " + firstFew(unsafe) + " (the agent's; git settings other than a few plain ones are"
                                + " not kept from a session, as they can run commands)");
                        return null;
                    }
                }
                if (keys.isPresent() && level < DEPTH) pointedAt(keys.get(), rel, level, repo);
                return keys.orElse(null);
            }
        }

        /** The last value of {@code key} (git takes the last). */
        private static String last(List<String[]> keys, String key) {
            String value = null;
            for (String[] k : keys) {
                if (k[0].equals(key)) value = k[1];
            }
            return value;
        }

        /** Whether the worktree a config names is the folder whose {@code .git} leads back to that config's git folder (as git writes it). */
        private boolean leadsBack(String worktree, Repo repo) {
            Located w = locate(Path.of(repo.gitdir()), worktree);
            if (w.kind() != Kind.INSIDE) return false;
            Located back = locate(w.rel(), ".git");
            if (back.kind() != Kind.INSIDE) return false;
            try {
                Path dotGit = real.resolve(back.rel());
                if (Files.isRegularFile(dotGit, LinkOption.NOFOLLOW_LINKS)) {
                    if (!(coi.PlainFile.read(dotGit, POINTER_LIMIT) instanceof coi.PlainFile.Content(byte[] content))) return false;
                    String target = gitPath(content, "gitdir: ");
                    if (target == null) return false;
                    back = locate(w.rel(), target);
                }
                Located self = locate(Path.of(""), repo.gitdir());
                return back.kind() == Kind.INSIDE && self.kind() == Kind.INSIDE && back.rel().equals(self.rel());
            } catch (RuntimeException e) {
                return false;
            }
        }

        /**
         * A config (or .gitmodules) read by git, by its content (a digest of the bytes just read: a change time can stay
         * the same across a rewrite within one tick of a coarse clock): each content is read once; null past
         * {@link #PARSES} in this look.
         */
        private Optional<List<String[]>> parsed(byte[] content) {
            String id = digest(content);
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
                        if (include && !k[1].startsWith("~")) {
                            Located in = locate(Path.of(rel).getParent(), k[1]);
                            if (in.kind() == Kind.INSIDE) at(in.rel(), (folder, name) -> config(folder, name, in.rel().toString(), level + 1, repo));
                        }
                    }
                }
            }
            // hooks and the fsmonitor run in the worktree's top (a bare repository's: its git folder)
            Path base = Path.of(repo.gitdir());
            if (repo.worktree() != null) base = Path.of(repo.worktree());
            else if (coreWorktree != null) {
                Located w = locate(Path.of(repo.gitdir()), coreWorktree);
                base = w.kind() == Kind.INSIDE ? w.rel() : null;
            }
            if (base == null) return;
            if (hooksPath != null && !hooksPath.startsWith("~")) {
                Located hooks = locate(base, hooksPath);
                if (hooks.kind() == Kind.INSIDE) at(hooks.rel(), (folder, name) -> hooksFolder(folder, name, hooks.rel().toString()));
            }
            if (fsmonitor != null && !fsmonitor.isBlank() && !fsmonitor.equals("true") && !fsmonitor.equals("false")
                    && !fsmonitor.contains(" ") && !fsmonitor.startsWith("~")) {
                Located program = locate(base, fsmonitor);
                if (program.kind() == Kind.INSIDE) at(program.rel(), (folder, name) -> program(folder, name, program.rel().toString()));
            }
        }

        /** A program a config of the user's names in the workspace: risky when the agent wrote it (or a link in its place). */
        private void program(HostTree folder, String name, String rel) throws IOException {
            try (HostTree.Node node = folder.at(name)) {
                boolean agents = node instanceof HostTree.Plain p ? agents(p.opened()) : node instanceof HostTree.Link && agents(folder, name);
                risky(folder, name, rel, agents, "a program your git config runs, which the agent wrote");
            }
        }

        /** A step at {@code rel}'s last name in its folder, reached without a link. */
        private interface AtName {
            void run(HostTree folder, String name) throws IOException;
        }

        private void at(Path rel, AtName step) throws IOException {
            if (rel.getFileName() == null) return;
            try (Walked w = Walked.to(top, rel.getParent())) {
                if (w != null) step.run(w.folder(), rel.getFileName().toString());
            }
        }

        /** A hooks folder with a hook the agent wrote (an executable file, a link, not a sample) is risky. */
        private void hooks(HostTree g, String rel) throws IOException {
            hooksFolder(g, "hooks", under(rel, "hooks"));
        }

        /** {@code name} in the folder at {@code rel} ("" for the top), relative to the workspace. */
        private static String under(String rel, String name) {
            return rel.isEmpty() ? name : rel + "/" + name;
        }

        /** The folders of a git folder that {@link #stateFolders} looks at, with what git does with an agent's file there. */
        private static final Map<String, String> STATE_FOLDERS = new java.util.LinkedHashMap<>();

        static {
            String url = "which git takes a remote's URL from (a push to a repository on this machine runs its hooks)";
            String steps = "an unfinished rebase, cherry-pick or revert, whose steps git runs at --continue (an exec step is a command)";
            STATE_FOLDERS.put("remotes", url);
            STATE_FOLDERS.put("branches", url);
            STATE_FOLDERS.put("rebase-merge", steps);
            STATE_FOLDERS.put("rebase-apply", steps);
            STATE_FOLDERS.put("sequencer", steps);
        }

        /**
         * A git folder's {@code remotes} and {@code branches}: files git takes a remote's URL from when no config defines
         * that remote (git writes none of them itself any more); and the state of an unfinished rebase or cherry-pick,
         * whose steps (an {@code exec} among them) run when the user goes on with it. The agent's there: the folder is
         * moved aside (a rebase the agent left half done is then the user's to finish or drop by hand).
         */
        private void stateFolders(HostTree g, String rel) throws IOException {
            for (String name : STATE_FOLDERS.keySet()) {
                try (HostTree.Node node = g.at(name)) {
                    if (node instanceof HostTree.Folder f) {
                        List<String> written = new ArrayList<>();
                        for (String entry : f.tree().names()) {
                            if (agents(f.tree(), entry)) written.add(entry);
                        }
                        if (!written.isEmpty()) risky(g, name, under(rel, name), true, "the agent's " + firstFew(written) + ", "
                                + STATE_FOLDERS.get(name));
                    } else if (node instanceof HostTree.Link) {
                        risky(g, name, under(rel, name), agents(g, name), "a link git would follow");
                    }
                }
            }
        }

        private void hooksFolder(HostTree parent, String name, String rel) throws IOException {
            try (HostTree.Node node = parent.at(name)) {
                if (node instanceof HostTree.Folder f) {
                    List<String> live = new ArrayList<>();
                    for (String hookName : f.tree().names()) {
                        if (hookName.endsWith(".sample")) continue;
                        try (HostTree.Node hook = f.tree().at(hookName)) {
                            boolean runs = hook instanceof HostTree.Plain p && (p.mode() & 0111) != 0 && agents(p.opened())
                                    || hook instanceof HostTree.Link && agents(f.tree(), hookName);
                            if (runs) live.add(hookName);
                        } catch (java.nio.file.AccessDeniedException unreadable) {
                            // a program with execute permission only (chmod 111) runs all the same: judged by its change time
                            if (agents(f.tree(), hookName)) live.add(hookName);
                        }
                    }
                    if (!live.isEmpty()) risky(parent, name, rel, true, "the agent's hook " + String.join(", ", live)
                            + " would run on your machine at git's next commit, checkout or status there");
                } else if (node instanceof HostTree.Link) {
                    risky(parent, name, rel, agents(parent, name), "a link git would follow");
                }
            }
        }

        /** Where a URL git pushes to or fetches from leads, as git's transport tells them apart. */
        enum Transport {
            /** Another host (https, ssh, git): nothing of it runs here. */
            ELSEWHERE,
            /** A repository on this machine (a path, {@code ~/...}, {@code file://}): a push there runs its hooks as the user. */
            HERE,
            /** A program git runs: a remote helper ({@code name::address}, or a scheme of no built-in transport, git-remote-NAME). */
            PROGRAM;

            private static final Set<String> BUILT_IN = Set.of("http", "https", "ftp", "ftps", "git", "ssh", "git+ssh", "ssh+git");

            static Transport of(String url) {
                // git's is_urlschemechar: a letter or digit first
                if (url.matches("(?s)[A-Za-z0-9][A-Za-z0-9+.-]*::.*")) return PROGRAM;
                java.util.regex.Matcher scheme = java.util.regex.Pattern.compile("(?s)([A-Za-z0-9][A-Za-z0-9+.-]*)://.*").matcher(url);
                if (scheme.matches()) {
                    String name = scheme.group(1);
                    // git takes only a lowercase file:// for its own (FILE:// would be a helper): here either way
                    if (name.equalsIgnoreCase("file")) return HERE;
                    if (!BUILT_IN.contains(name)) return PROGRAM;
                    // over ssh to this machine: receive-pack runs here, with the hooks of the repository it names
                    String rest = url.substring(name.length() + 3);
                    return name.contains("ssh") && thisMachine(rest.split("[/?#]", 2)[0]) ? HERE : ELSEWHERE;
                }
                if (localNotSsh(url)) return HERE;
                int colon = url.indexOf(':');
                String host = url.startsWith("[") && url.indexOf(']') > 0 ? url.substring(0, url.indexOf(']') + 1) : url.substring(0, colon);
                return thisMachine(host) ? HERE : ELSEWHERE;
            }

            /** git's url_is_local_not_ssh: no colon, or a slash before the first one; else host:path over ssh. */
            static boolean localNotSsh(String url) {
                int colon = url.indexOf(':'), slash = url.indexOf('/');
                return colon < 0 || slash >= 0 && slash < colon;
            }

            /**
             * Whether an ssh host ({@code [user@]host[:port]}, an IPv6 address in brackets) is this machine by its name or a
             * loopback address. An alias in the user's ssh config that leads here is not known to coi.
             */
            static boolean thisMachine(String authority) {
                String host = authority.substring(authority.lastIndexOf('@') + 1);
                if (host.startsWith("[")) host = host.substring(1, Math.max(1, host.indexOf(']')));
                else if (host.indexOf(':') >= 0 && host.indexOf(':') == host.lastIndexOf(':')) host = host.substring(0, host.indexOf(':'));
                host = host.toLowerCase(Locale.ROOT);
                if (host.endsWith(".")) host = host.substring(0, host.length() - 1);
                if (host.equals("localhost") || host.endsWith(".localhost") || host.equals("localhost.localdomain")
                        || host.equals("ip6-localhost") || host.equals("ip6-loopback") || host.equals(HOSTNAME)) return true;
                java.net.InetAddress address = numeric(host);
                return address != null && (address.isLoopbackAddress() || address.isAnyLocalAddress() || local(address));
            }

            /**
             * A host written as an address, read as the C library reads one (no name is looked up): IPv4 as inet_aton takes
             * it (1 to 4 parts, each decimal, octal after a 0 or hexadecimal after 0x, the last filling the bytes left:
             * {@code 2130706433}, {@code 0x7f.1}, {@code 0177.0.0.1}), or an IPv6 literal ({@code ::ffff:127.0.0.1} too);
             * null for a name.
             */
            static java.net.InetAddress numeric(String host) {
                try {
                    if (host.indexOf(':') >= 0) return java.net.InetAddress.ofLiteral(host);
                    String[] parts = host.split("\\.", -1);
                    if (parts.length > 4) return null;
                    long[] values = new long[parts.length];
                    for (int i = 0; i < parts.length; i++) {
                        String part = parts[i];
                        if (part.matches("0[xX][0-9a-fA-F]*")) values[i] = part.length() == 2 ? 0 : Long.parseLong(part.substring(2), 16);
                        else if (part.matches("0[0-7]*")) values[i] = Long.parseLong(part, 8);
                        else if (part.matches("[1-9][0-9]*")) values[i] = Long.parseLong(part);
                        else return null;
                    }
                    long value = 0;
                    for (int i = 0; i < parts.length - 1; i++) {
                        if (values[i] > 255) return null;
                        value |= values[i] << (24 - 8 * i);
                    }
                    long last = values[parts.length - 1];
                    if (last >= 1L << (8 * (5 - parts.length))) return null;
                    value |= last;
                    return java.net.InetAddress.getByAddress(new byte[] {(byte) (value >>> 24), (byte) (value >>> 16), (byte) (value >>> 8), (byte) value});
                } catch (IllegalArgumentException | java.net.UnknownHostException e) {
                    return null;
                }
            }

            /** Whether {@code address} is one of this machine's interfaces' (a bridge's address, say). */
            private static boolean local(java.net.InetAddress address) {
                try {
                    return java.net.NetworkInterface.getByInetAddress(address) != null;
                } catch (java.net.SocketException e) {
                    return false;
                }
            }

            /** This machine's name, lowercased ("" when it cannot be read). */
            private static final String HOSTNAME = hostname();

            private static String hostname() {
                try {
                    return Files.readString(Path.of("/proc/sys/kernel/hostname")).trim().toLowerCase(Locale.ROOT);
                } catch (IOException | RuntimeException e) {
                    return "";
                }
            }
        }

        /**
         * Why the remotes of an agent's config are not plain settings, or null when they are: a URL ({@code remote.*.url},
         * {@code pushurl}, {@code submodule.*.url}, or a branch's {@code remote} or {@code pushRemote} that names no remote of the config, which git
         * then takes for a URL) that leads to a repository on this machine, where a push runs that repository's hooks as
         * the user (one the agent made in its state folder, say, however the path is written), or to a program.
         */
        static List<String> remoteRisks(List<String[]> keys) {
            // remotes by a plain name: git ignores one whose name begins with '/', and takes a branch's remote that names
            // none for a URL; a name of other characters counts as no remote here (its branch's value is then judged as a URL)
            Set<String> remotes = new java.util.HashSet<>();
            for (String[] k : keys) {
                if (!k[0].startsWith("remote.") || !k[0].endsWith(".url")) continue;
                String name = k[0].substring(7, k[0].length() - 4);
                if (name.matches("[A-Za-z0-9._-]+") && !name.equals(".") && !name.equals("..")) remotes.add(name);
            }
            List<String> risks = new ArrayList<>();
            for (String[] k : keys) {
                String key = k[0], value = k[1] == null ? "" : k[1];
                // a submodule's URL: what `git submodule update --init` clones from, and the new clone's remote
                boolean url = key.startsWith("remote.") && (key.endsWith(".url") || key.endsWith(".pushurl"))
                        || key.startsWith("submodule.") && key.endsWith(".url");
                boolean branch = key.startsWith("branch.") && (key.endsWith(".remote") || key.endsWith(".pushremote"));
                if (branch && (value.equals(".") || remotes.contains(value))) continue;
                if (!url && !branch) continue;
                switch (Transport.of(value)) {
                    case HERE -> risks.add(key + " (a repository on this machine: a push there runs its hooks)");
                    case PROGRAM -> risks.add(key + " (a remote helper, a program git runs)");
                    case ELSEWHERE -> { }
                }
            }
            return risks;
        }

        private static boolean safe(String key) {
            if (SAFE.contains(key)) return true;
            int first = key.indexOf('.'), last = key.lastIndexOf('.');
            return first != last && SAFE.contains(key.substring(0, first) + ".*" + key.substring(last));
        }

        /**
         * Moves {@code name} in {@code folder} aside when {@code agents} (the agent may have written
         * it): to NAME.coi-quarantined, or a name no one can foresee when that is taken; a folder the
         * agent made read-only is made writable for the user first. What cannot be moved is said too. Whether it was moved.
         */
        private boolean risky(HostTree folder, String name, String rel, boolean agents, String why) throws IOException {
            if (!agents) return false;
            Path at = state.workspace().resolve(rel);
            String to = name + SUFFIX;
            int errno = folder.move(name, to);
            if (errno == coi.LinuxAbi.EEXIST) {
                to = name + SUFFIX + "-" + System.currentTimeMillis() + "-" + Long.toUnsignedString(java.util.concurrent.ThreadLocalRandom.current().nextLong(), 36);
                errno = folder.move(name, to);
            }
            if (errno == coi.LinuxAbi.EACCES || errno == coi.LinuxAbi.EPERM) {
                folder.allowWrite();
                errno = folder.move(name, to);
            }
            if (errno == 0) {
                moved.add(Quarantined.moved(at, at.resolveSibling(to), why));
                return true;
            }
            if (errno != coi.LinuxAbi.ENOENT) {
                complete = false;
                moved.add(Quarantined.notMoved(at, why + "; coi could not move it aside (" + coi.LinuxAbi.reason(errno)
                        + "): remove it yourself before you run git there"));
            }
            return false;
        }

        /** The first three of {@code names}, and "and more" past them: enough to find the rest. */
        private static String firstFew(List<String> names) {
            return String.join(", ", names.subList(0, Math.min(3, names.size()))) + (names.size() > 3 ? " and more" : "");
        }

        /** Whether {@code name} lost bytes when decoded (it was not UTF-8): coi cannot open it by that name. */
        private static boolean unspellable(String name) {
            return name.indexOf('\uFFFD') >= 0;
        }

        /** Something coi cannot look at, said (the window stays open). */
        private void cannot(String rel, String why) {
            complete = false;
            moved.add(Quarantined.notMoved(state.workspace().resolve(rel.replace('\uFFFD', '?')), why + ": coi cannot look at it,"
                    + " so git there may run what the agent wrote; rename it, or look yourself before you run git there"));
        }

        private boolean agents(Path opened) throws IOException {
            return state.agents(nanos((FileTime) Files.getAttribute(opened, "unix:ctime")));
        }

        private boolean agents(HostTree folder, String name) throws IOException {
            return state.agents(nanos((FileTime) Files.getAttribute(folder.opened().resolve(name), "unix:ctime", LinkOption.NOFOLLOW_LINKS)));
        }

        /** A pointer file as git reads it: {@code prefix} then the path, up to a NUL, without trailing CR and LF; null when it is not one. */
        private static String gitPath(HostTree.Plain pointer, String prefix) throws IOException {
            return pointer.size() > POINTER_LIMIT ? null : gitPath(pointer.readAll(), prefix);
        }

        static String gitPath(byte[] content, String prefix) {
            int end = 0;
            while (end < content.length && content[end] != 0) end++;
            while (end > 0 && (content[end - 1] == '\n' || content[end - 1] == '\r')) end--;
            String text = new String(content, 0, end, StandardCharsets.UTF_8);
            return text.startsWith(prefix) ? text.substring(prefix.length()) : null;
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
            ProcessBuilder pb = GitObjects.git("config", "--no-includes", "--file", "-", "--list", "-z");
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
