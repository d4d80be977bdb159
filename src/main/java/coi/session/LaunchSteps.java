package coi.session;

import coi.CoiException;
import coi.health.QuotaGroups;
import coi.incus.IncusClient;
import coi.incus.IncusException;
import coi.incus.InstanceSpec;
import coi.incus.Model;
import coi.incus.Retries;
import coi.network.FenceException;
import coi.network.NetworkPolicy;
import coi.session.Launcher.Launch;
import coi.session.Launcher.Retry;
import coi.session.Launcher.Step;
import coi.session.Launcher.Undo;
import coi.tool.Tool;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The steps that apply a {@link SessionPlan}, by name, and the three lists coi launches with:
 * a new tool session ({@link #shell}), a new container for one command ({@link #run}) and a
 * persistent container used again ({@link #reuse}). Each step reads only the plan.
 */
public final class LaunchSteps {
    public static final String IMAGE = "image";
    public static final String STORAGE = "storage";
    public static final String QUOTAS = "quotas";
    public static final String TOOL_STATE = "tool-state";
    public static final String VIEW = "view";
    public static final String CREATE = "create";
    public static final String SWEEP = "sweep";
    public static final String HOME_BEFORE_START = "home-before-start";
    public static final String FENCE = "fence";
    public static final String START = "start";
    public static final String RELEASE_VIEW = "release-view";
    public static final String NETWORK = "network";
    public static final String MONITOR = "monitor";
    public static final String METADATA = "metadata";
    public static final String HOME = "home";
    public static final String HOME_WORK = "home-work";
    public static final String TMUX = "tmux";

    /** DHCP takes a moment after start; a command that needs the network should not race it. */
    static final Duration NETWORK_WAIT = Duration.ofSeconds(30);

    /** Plans again when a race with another coi lost the plan's first choice. */
    public interface Replanner {
        /** The plan with the next free slot, or empty when the slot was asked for and may not move. */
        Optional<SessionPlan> nextSlot(SessionPlan lost);

        /** The plan with another address for its NIC. */
        SessionPlan otherAddress(SessionPlan lost);
    }

    private final IncusClient incus;
    private final SessionStore store;
    private final Sessions.Host host;
    private final PrintWriter out;
    private final Fencing fencing;
    private final ProtectedView views;
    private volatile Prefetch prefetch = Prefetch.NONE;
    private QuotaGroups quotaGroups; // this machine's, made when a session first asks for a disk size

    LaunchSteps(IncusClient incus, SessionStore store, Sessions.Host host, PrintWriter out, Fencing fencing, ProtectedView views) {
        this.incus = incus;
        this.store = store;
        this.host = host;
        this.out = out;
        this.fencing = fencing;
        this.views = views;
    }

    /** Where the quotas step reads (and, as root, rescans) a btrfs pool's quota groups; a test's own. */
    void quotaGroups(QuotaGroups quotaGroups) {
        this.quotaGroups = quotaGroups;
    }

    /** The image step takes the prefetched answer when it is a yes for the plan's image (see {@link Prefetch}). */
    void prefetched(Prefetch prefetch) {
        this.prefetch = prefetch;
    }

    /** Where code's home is made for a new tool session; {@link #tmux} and {@link #home} act on it. */
    private enum HomeWork {
        /** Not (all) made before the start: made once the container runs. */
        AFTER_START,
        /** Made through the file API before the start. */
        MADE,
        /** Made by the exec that starts tmux, the tool's presence too ({@link CodeHome#inTmuxExec}). */
        IN_TMUX_EXEC
    }

    /**
     * `coi shell`, new container: the tool in tmux, its state dir live-mounted. The rules go in
     * while the container is created; the tool's presence is asked and code's home made by the
     * exec that starts tmux where that needs nothing of root's, else through the file API before
     * the start. The metadata is written while tmux starts.
     */
    public Launcher shell(Replanner replanner) {
        return shell(replanner, true);
    }

    /**
     * {@code tmux} false (`coi shell --tmux=false`): the last step makes code's home and asks for the
     * tool where the tmux exec would, but starts nothing; the tool then runs on the user's terminal
     * ({@link #toolArgv}).
     */
    public Launcher shell(Replanner replanner, boolean tmux) {
        // decided from the plan alone, before the steps a pool's claim stands for (create .. release-view): a claimed
        // member's tmux exec makes the home where a cold one's would, and its attach leaves it alone (WarmPool#attach)
        AtomicReference<HomeWork> home = new AtomicReference<>(HomeWork.MADE);
        return new Launcher(List.of(image(), storage(), quotas(), toolState(), homeWork(home), created(replanner), homeBeforeStart(home),
                start(replanner), releaseView(), monitor(), home(home), Overlap.steps(TMUX, metadata(), tmux(false, home, tmux))));
    }

    /** Whether the exec that starts tmux makes code's home (and asks for the tool): a question of the plan's devices alone. */
    private Step homeWork(AtomicReference<HomeWork> work) {
        return Launcher.step(HOME_WORK, launch -> {
            work.set(CodeHome.madeInTmuxExec(launch.plan()) ? HomeWork.IN_TMUX_EXEC : HomeWork.MADE);
            return Undo.NOTHING;
        });
    }

    /** `coi run`, new container: ready for the command once its network is up; DHCP takes a moment, code's home is made meanwhile. */
    public Launcher run(Replanner replanner) {
        return new Launcher(List.of(image(), storage(), quotas(), created(replanner), start(replanner), releaseView(),
                monitor(), Overlap.steps(NETWORK, network(replanner), home())));
    }

    /** A persistent container used again: started (fence first) when stopped; for `shell`, its tmux started if gone. */
    public Launcher reuse(SessionPlan plan) {
        return reuse(plan, true);
    }

    /** As {@link #reuse(SessionPlan)}; {@code tmux} false: see {@link #shell(Replanner, boolean)}. */
    public Launcher reuse(SessionPlan plan, boolean tmux) {
        List<Step> steps = new ArrayList<>();
        if (plan.disposition() == SessionPlan.Disposition.START_EXISTING) {
            steps.addAll(List.of(sweep(), fence(), view(), startAgain(), releaseView()));
            if (plan.tool() == null) steps.add(network(null));
        }
        if (plan.tool() != null) steps.addAll(List.of(metadata(), tmux(true, new AtomicReference<>(HomeWork.MADE), tmux)));
        return new Launcher(steps);
    }

    Step image() {
        return Launcher.step(IMAGE, launch -> {
            String image = launch.plan().image();
            if (!prefetch.imageExists(incus, image) && !incus.aliasExists(image)) {
                throw imageMissing(image);
            }
            return Undo.NOTHING;
        });
    }

    /** The error for a session's image that is not there: what to build, or how to pick another. */
    static CoiException imageMissing(String image) {
        return new CoiException("image '" + image + "' not found: build it with `coi build`"
                + (image.equals("coi") ? "" : " (or `coi build custom " + image + " --script FILE`)") + ", or pick one with --image");
    }

    Step storage() {
        return Launcher.step(STORAGE, launch -> {
            Path dir = launch.plan().storageDir();
            if (dir == null) return Undo.NOTHING;
            try {
                Files.createDirectories(dir);
            } catch (IOException e) {
                throw new CoiException("cannot create the storage folder " + dir + ": " + e.getMessage(), e);
            }
            // kept: it is the user's space that outlives every session
            return Undo.NOTHING;
        });
    }

    /** The tool's state dir on the host; a new one is seeded, and removed (session folder and all) on undo. */
    Step toolState() {
        return Launcher.step(TOOL_STATE, launch -> {
            SessionPlan plan = launch.plan();
            Path stateDir = plan.stateDir();
            boolean fresh = !Files.isDirectory(stateDir);
            try {
                Files.createDirectories(stateDir);
                if (fresh && plan.seedToolState()) Tool.named(plan.tool()).seed(host.home(), stateDir);
                // the state dir is mounted with the container's idmap: make it the invoking user's
                if (host.uid() == 0) Files.setPosixFilePermissions(stateDir, PosixFilePermissions.fromString("rwx------"));
            } catch (IOException e) {
                throw new CoiException("cannot prepare the tool state in " + stateDir + ": " + e.getMessage(), e);
            }
            if (!fresh) return Undo.NOTHING;
            Path sessionDir = store.dir(plan.tool(), plan.sessionId());
            return () -> {
                try {
                    SessionStore.deleteTree(sessionDir);
                } catch (IOException e) {
                    throw new CoiException("cannot remove " + sessionDir + ": " + e.getMessage(), e);
                }
            };
        });
    }

    /**
     * A root disk size on a btrfs pool is a quota-group limit, which btrfs stops enforcing once the pool's quota groups went
     * inconsistent (container deletions leave them so on this project's kernel, see {@link QuotaGroups}): as root, coi
     * rescans them first (and waits), so the session starts under the size it asked for; otherwise it says the size is not
     * enforced and what rescans them. Nothing is asked without a size, or of a remote daemon.
     */
    Step quotas() {
        return Launcher.step(QUOTAS, launch -> {
            Map<String, String> root = launch.plan().devices().get("root");
            if (root == null || root.get("size") == null || root.get("pool") == null || !incus.address().startsWith("/")) return Undo.NOTHING;
            String pool = root.get("pool");
            if (!QuotaGroups.btrfs(incus.storagePools(), pool)) return Undo.NOTHING;
            Path mount = QuotaGroups.mountOf(pool);
            if (quotaGroups == null) quotaGroups = QuotaGroups.local();
            QuotaGroups.State state = quotaGroups.read(mount);
            if (!state.needsRescan()) return Undo.NOTHING;
            String unenforced = "the disk size " + root.get("size") + " is not enforced: the btrfs quota groups of pool " + pool
                    + (state instanceof QuotaGroups.State.Rescanning ? " are being rescanned" : " are inconsistent");
            if (!quotaGroups.asRoot()) {
                System.err.println("coi: warning: " + unenforced + "; `sudo coi health --fix` rescans them");
                return Undo.NOTHING;
            }
            // stderr: `coi run` passes the command's stdout through untouched
            System.err.println("coi: " + unenforced + ": rescanning them first (btrfs quota rescan -w " + mount + ")");
            quotaGroups.rescan(mount).ifPresent(failed -> System.err.println("coi: warning: " + unenforced + "; " + failed));
            return Undo.NOTHING;
        });
    }

    /** The protected view the plan's workspace device points at (see {@link ProtectedView}); nothing when nothing is protected. */
    Step view() {
        return Launcher.step(VIEW, launch -> {
            SessionPlan plan = launch.plan();
            Protection protection = plan.protection();
            if (protection.readOnly().isEmpty()) return Undo.NOTHING;
            if (!ProtectedView.builds(protection)) {
                // stderr: `coi run` passes the command's stdout through untouched
                System.err.println("coi: warning: the protected paths are read-only for code, but root inside can unmount them:"
                        + " coi needs root, or the sudo rule `coi setup` installs, to lock them (see README, Sessions)");
                return Undo.NOTHING;
            }
            Path view = ProtectedView.path(store.root(), plan.container());
            views.build(view, Path.of(plan.workspace()), protection);
            return () -> views.remove(view);
        });
    }

    /** The container, created stopped. A slot another coi took meanwhile moves the launch to the next free one. */
    Step create(Replanner replanner) {
        return Launcher.step(CREATE, launch -> {
            SessionPlan plan = launch.plan();
            try {
                incus.createInstance(new InstanceSpec(plan.container(), plan.image(), plan.config(), plan.devices(), null,
                        !plan.persistent(), false));
            } catch (IncusException.AlreadyExists e) {
                Optional<SessionPlan> next = replanner.nextSlot(plan);
                if (next.isEmpty()) throw e;
                throw new Retry(CREATE, next.get(), e);
            }
            return () -> deleteIfThere(plan.container());
        });
    }

    /**
     * The new container, created while the host installs its rules, builds the protected view its
     * workspace device points at and sweeps the rules of gone containers ({@link #sweep}): none
     * waits for another, and all are done before the start. Incus checks a disk's source when the
     * container is created, so the view's (empty) folder is made first. The rules need only the
     * plan's NIC (its interface name and address are pinned), so they go in beside the create
     * when no container of that name exists: the container's {@link NameLock}, held throughout,
     * makes that answer hold (every launch creates under it), and no coi tidying up the rules of a
     * gone container of the same name removes these before the container is there. Otherwise
     * (the name is taken: the create fails and moves the launch to another slot, and the other
     * container's rules must stay as they are) and for an allowlist, whose rules also pin names
     * into the container's /etc/hosts, they go in once the container exists.
     */
    private Step created(Replanner replanner) {
        Step together = Overlap.steps(CREATE, view(), Overlap.steps(CREATE, sweep(), create(replanner)));
        return Launcher.step(CREATE, launch -> {
            SessionPlan plan = launch.plan();
            if (ProtectedView.builds(plan.protection())) views.prepare(ProtectedView.path(store.root(), plan.container()));
            AtomicBoolean fenced = new AtomicBoolean();
            Step early = Launcher.step(FENCE, l -> {
                if (plan.network() instanceof NetworkPolicy.Allowlist || incus.instanceExists(plan.container())) return Undo.NOTHING;
                fenced.set(true);
                return fence().apply(l);
            });
            Step late = Launcher.step(FENCE, l -> fenced.get() ? Undo.NOTHING : fence().apply(l));
            try (NameLock lock = NameLock.hold(store.root(), plan.container())) {
                return inOrder(CREATE, Overlap.steps(CREATE, early, together), late).apply(launch);
            }
        });
    }

    /** One step made of two run one after the other; when the second fails, the first is undone before the failure goes on. */
    private static Step inOrder(String name, Step first, Step second) {
        return Launcher.step(name, launch -> {
            Undo firstUndo = first.apply(launch);
            Undo secondUndo;
            try {
                secondUndo = second.apply(launch);
            } catch (RuntimeException | Error e) {
                try {
                    firstUndo.undo();
                } catch (RuntimeException undoFailed) {
                    e.addSuppressed(undoFailed);
                }
                throw e;
            }
            return () -> {
                try {
                    secondUndo.undo();
                } finally {
                    firstUndo.undo();
                }
            };
        });
    }

    /**
     * The rules of containers that are gone go before this one's network comes up: they match a
     * source address, and would cut off a container given their address (an open one too: the
     * bridge's DHCP hands out any free address). See {@link Fencing#sweepGone}.
     */
    Step sweep() {
        return Launcher.step(SWEEP, launch -> {
            fencing.sweepGone(store.root(), launch.plan().container());
            new ViewSweep(incus, views, store.root(), host.prefix()).sweep(launch.plan().container());
            return Undo.NOTHING;
        });
    }

    /** The plan's tool is in its container (created or running); a missing one is one clear line. */
    void requireTool(SessionPlan plan) {
        if (plan.tool() != null && !plan.toolCommand().isEmpty()) {
            ToolPresence.require(incus.files(plan.container()), Tool.named(plan.tool()), plan.toolCommand().getFirst(), plan.image());
        }
    }

    /** The host rules, in before the container's network comes up (for a new container, while it is created: see {@link #created}). */
    Step fence() {
        return Launcher.step(FENCE, launch -> {
            SessionPlan plan = launch.plan();
            Map<String, String> eth0 = plan.devices().get("eth0");
            // a container made before its NIC was pinned (reused) has no address of its own to fence
            if (!plan.fenced() || eth0 == null || eth0.get("ipv4.address") == null) return Undo.NOTHING;
            try {
                fencing.install(plan);
            } catch (FenceException e) {
                throw new CoiException(e.getMessage() + (host.uid() == 0 ? ""
                        : " (coi runs nft through `sudo -n`: `coi setup` installs the sudoers rule)"), e);
            }
            return () -> fencing.remove(plan.container());
        });
    }

    /** Starts the new container; an address another coi claimed between plan and start moves the launch to another. */
    Step start(Replanner replanner) {
        return Launcher.step(START, launch -> {
            SessionPlan plan = launch.plan();
            try {
                startCreated(plan.container());
            } catch (IncusException.AlreadyExists e) {
                // incusd refuses a NIC whose address another instance holds
                if (!plan.fenced()) throw e;
                throw new Retry(CREATE, replanner.otherAddress(plan), e);
            }
            return () -> stopIfThere(plan.container());
        });
    }

    /** How long the start of a container this launch created is tried again while Incus takes it for running (see {@link #startCreated}). */
    static final Duration STALE_RUNNING_WAIT = Duration.ofSeconds(10);

    /**
     * Starts {@code container}, created stopped by this launch under its name lock. Incus asks liblxc
     * for a container's state by its name, and the monitor process of an earlier container of that
     * name can still answer: an ephemeral one stopped a moment ago, which Incus removes while that
     * monitor is ending (`coi run --monitor` after `coi run --monitor` in one workspace: CI saw "The
     * instance is already running" at the start once). Such a refusal is tried again until
     * {@link #STALE_RUNNING_WAIT}; no other error is.
     */
    private void startCreated(String container) {
        long deadline = System.nanoTime() + STALE_RUNNING_WAIT.toNanos();
        while (true) {
            try {
                incus.start(container);
                return;
            } catch (IncusException e) {
                if (!(e.getMessage() != null && e.getMessage().contains(STALE_RUNNING)) || System.nanoTime() > deadline) throw e;
                coi.Trace.mark("start of " + container + " refused as running: tried again");
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new Launcher.Interrupted();
            }
        }
    }

    /** Incus's refusal to start an instance it reads as running (driver_common.go, isStartableStatusCode). */
    static final String STALE_RUNNING = "The instance is already running";

    /** A stopped persistent container started again: stopped again on undo, never deleted. */
    Step startAgain() {
        return Launcher.step(START, launch -> {
            SessionPlan plan = launch.plan();
            progress("starting persistent container " + plan.container());
            incus.start(plan.container());
            return () -> stopIfThere(plan.container());
        });
    }

    /** The started container holds its own, locked copy of the view's mounts: the host's goes. */
    Step releaseView() {
        return Launcher.step(RELEASE_VIEW, launch -> {
            views.remove(ProtectedView.path(store.root(), launch.plan().container()));
            return Undo.NOTHING;
        });
    }

    /**
     * `coi run`'s wait for the container's DHCP lease. A fenced NIC pins its address; when the bridge's DHCP server hands out
     * another (it holds the pinned one for another client, see {@link coi.network.DnsmasqLeases}), the container sends
     * from an address its NIC filter and the fence drop, so it has no network: a new container ({@code replanner} given)
     * moves to another address, a container used again is warned about.
     */
    Step network(Replanner replanner) {
        return Launcher.step(NETWORK, launch -> {
            SessionPlan plan = launch.plan();
            String container = plan.container();
            Optional<String> got = incus.awaitIpv4(container, NETWORK_WAIT);
            if (got.isEmpty()) {
                System.err.println("coi: warning: " + container + " has no IPv4 address after " + NETWORK_WAIT.toSeconds()
                        + " s (is dnsmasq on the bridge running? `coi health` checks); going on without the network");
                return Undo.NOTHING;
            }
            Map<String, String> nic = plan.fenced() ? plan.devices().get("eth0") : null;
            String pinned = nic == null || nic.get("ipv4.address") == null ? null : Fencing.address(nic).getHostAddress();
            if (pinned != null && !pinned.equals(got.get())) {
                IncusException lost = new IncusException(0, container + " was given the address " + got.get() + ", not its own " + pinned
                        + ": the bridge's DHCP server holds " + pinned + " for another client");
                if (replanner != null) throw new Retry(CREATE, replanner.otherAddress(plan), lost);
                System.err.println("coi: warning: " + lost.getMessage() + ", so the fence lets nothing of it through"
                        + " (`coi kill " + container + "` and start the session again: a new container takes a free address)");
            }
            return Undo.NOTHING;
        });
    }

    /** Fail closed: a `--monitor` session goes on only once the supervisor watches it. */
    Step monitor() {
        return Launcher.step(MONITOR, launch -> {
            SessionPlan plan = launch.plan();
            if (plan.monitored()) MonitorGate.require(host, store.root(), plan.container(), launch.started(), out);
            return Undo.NOTHING;
        });
    }

    /** metadata.json marked running in this container; on undo, ended. */
    Step metadata() {
        return Launcher.step(METADATA, launch -> {
            SessionPlan plan = launch.plan();
            String now = Sessions.now();
            // a resumed session's metadata, changed under its lock; a new one's, written
            if (store.update(plan.tool(), plan.sessionId(), m -> m.running(plan.container(), plan.slot(), plan.persistent(), now)).isEmpty()) {
                store.save(new SessionMetadata(plan.sessionId(), plan.container(), plan.tool(), plan.persistent(), plan.workspace(), now, now,
                        plan.slot(), plan.image(), "running"));
            }
            return () -> store.update(plan.tool(), plan.sessionId(), m -> m.ended(Sessions.now()));
        });
    }

    Step home() {
        return home(new AtomicReference<>(HomeWork.AFTER_START));
    }

    /** code's home in the running container, unless it was made before the start or is made by the tmux exec. */
    private Step home(AtomicReference<HomeWork> work) {
        return Launcher.step(HOME, launch -> {
            if (work.get() == HomeWork.AFTER_START) CodeHome.prepare(incus, launch.plan());
            return Undo.NOTHING;
        });
    }

    /**
     * Where code's home is made: by the exec that starts tmux where it needs nothing of root's
     * (the tool's presence is asked there too); else in the created container before it starts,
     * through the file API, while the tool's presence is asked the same way (a running container
     * that is still booting makes the same work slower, see {@link CodeHome}). A retry redoes it.
     */
    private Step homeBeforeStart(AtomicReference<HomeWork> work) {
        Step files = Overlap.steps(HOME_BEFORE_START, Launcher.step(HOME_BEFORE_START, launch -> {
            requireTool(launch.plan());
            return Undo.NOTHING;
        }), Launcher.step(HOME_BEFORE_START, launch -> {
            work.set(CodeHome.prepareBeforeStart(incus, launch.plan()) ? HomeWork.MADE : HomeWork.AFTER_START);
            return Undo.NOTHING;
        }));
        return Launcher.step(HOME_BEFORE_START, launch -> work.get() == HomeWork.IN_TMUX_EXEC ? Undo.NOTHING : files.apply(launch));
    }

    /**
     * The tool in tmux, as code, so that the user lands in bash when it exits; {@code unlessRunning}:
     * a reused container's may still run. Where {@code home} says so, the same exec makes code's
     * home first; a home that needs root after all is made by {@link CodeHome#prepare}, then tmux
     * is started again.
     */
    Step tmux(boolean unlessRunning, AtomicReference<HomeWork> home, boolean startTmux) {
        return Launcher.step(TMUX, launch -> {
            SessionPlan plan = launch.plan();
            // without tmux a running container is refused before the launch (Sessions#shell)
            if (startTmux && unlessRunning && Attachment.tmuxRunning(incus, plan.container(), plan.tmuxSession(), plan.code())) return Undo.NOTHING;
            boolean makesHome = home.get() == HomeWork.IN_TMUX_EXEC;
            // without tmux the exec is there only to make the home; the tool runs on the terminal later
            if (!startTmux && !makesHome) return Undo.NOTHING;
            List<String> tmux = startTmux ? List.of("tmux", "new-session", "-d", "-s", plan.tmuxSession(), "-x", "200", "-y", "50",
                    "-c", SessionPlan.WORKSPACE_MOUNT, "bash", "-lc", toolLine(plan, true)) : List.of("true");
            List<String> command = plan.toolCommand();
            Model.ExecResult r = tmuxExec(plan, makesHome ? CodeHome.inTmuxExec(plan, tmux) : tmux);
            if (makesHome && r.exitCode() == CodeHome.TOOL_MISSING) {
                throw ToolPresence.missing(Tool.named(plan.tool()), command.getFirst(), plan.image());
            }
            if (makesHome && r.exitCode() == CodeHome.NEEDS_ROOT) {
                CodeHome.prepare(incus, plan);
                // without tmux nothing is left to start (the exec looked for the tool before the home)
                if (!startTmux) return Undo.NOTHING;
                r = tmuxExec(plan, tmux);
            } else if (makesHome && r.exitCode() == 0) {
                coi.Trace.mark("home: made by the tmux exec");
            }
            if (r.exitCode() != 0) {
                throw new CoiException(startTmux ? "could not start tmux in " + plan.container() + ": " + r.err().trim() + " (is tmux installed in the image?)"
                        : "could not prepare /home/code in " + plan.container() + ": " + r.err().trim());
            }
            // the container's end (undo of create or start) ends tmux
            return Undo.NOTHING;
        });
    }

    /** The tool's command line for bash -lc; {@code thenBash}: a login shell follows the tool (in tmux). */
    private static String toolLine(SessionPlan plan, boolean thenBash) {
        List<String> command = plan.toolCommand();
        if (command.isEmpty()) return "exec bash -l";
        return thenBash ? Shell.join(command) + "; exec bash -l" : "exec " + Shell.join(command);
    }

    /** `coi shell --tmux=false`: the tool alone, as a login shell runs it, for the user's terminal; its exit ends the session. */
    static List<String> toolArgv(SessionPlan plan) {
        return List.of("bash", "-lc", toolLine(plan, false));
    }

    /** Recorded: the command starts with the operation, no websockets first (its output is wanted only on failure). */
    private Model.ExecResult tmuxExec(SessionPlan plan, List<String> argv) {
        return incus.execRecorded(plan.container(), plan.code().exec(argv, SessionPlan.WORKSPACE_MOUNT));
    }

    private void deleteIfThere(String container) {
        // Incus may be removing an ephemeral one itself right now (it stopped): gone is what is asked for
        Retries.delete(incus, container);
    }

    private void stopIfThere(String container) {
        try {
            incus.stop(container, 0, true);
        } catch (IncusException.NotFound alreadyGone) {
            // an ephemeral container is deleted by Incus as it stops
        } catch (IncusException e) {
            // already stopped (the monitor, a poweroff inside, a concurrent `coi kill`) is what the undo wants;
            // Incus may refuse the stop as "already stopped" a moment before its state says so
            if (!incus.awaitNotRunning(container, Duration.ofSeconds(5))) throw e;
        }
    }

    private void progress(String line) {
        out.println(line);
        out.flush();
    }
}
