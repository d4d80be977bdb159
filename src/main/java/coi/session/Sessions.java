package coi.session;

import coi.CoiException;
import coi.Trace;
import coi.UsageException;
import coi.config.Config;
import coi.config.Mount;
import coi.incus.IncusClient;
import coi.incus.Model;
import coi.incus.Terminal;
import coi.network.BridgeFacts;
import coi.network.NetworkPolicy;
import coi.pool.Pool;
import coi.tool.Launch;
import coi.tool.Resume;
import coi.tool.Tool;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

/**
 * `coi shell`, `coi run` and `coi attach`: plan (a {@link SessionPlan} from config, request and
 * host facts), then apply it with a {@link Launcher} of {@link LaunchSteps}. The tool's state
 * directory is a live mount of the host's session directory and the workspace is a mount too,
 * so no exit path (detach, poweroff inside, kill, a crash of coi) can lose them; the metadata is
 * written at start and again at every end coi or its watcher sees.
 */
public final class Sessions {
    private final IncusClient incus;
    private final SessionStore store;
    private final Host host;
    private final PrintWriter out;
    private final Fencing fencing;
    private final ProtectedView views;
    private final LaunchSteps steps;
    private final Attachment attachment;
    private final ResumeResolver resumes;
    private final WarmPool pool;
    private UnaryOperator<Launcher> adjust = UnaryOperator.identity();
    private Runnable beforeBackgroundProcess = () -> { };
    private Prefetch prefetch = Prefetch.NONE;

    /** The invoking user and process, as facts: tests and the watcher pass their own. */
    public record Host(int uid, int gid, Path home, String prefix, Path launcher) {}

    public Sessions(IncusClient incus, SessionStore store, Host host, PrintWriter out) {
        this(incus, store, host, out, Fencing.onHost(incus, host.uid()), ProtectedView.onHost(host.uid()));
    }

    Sessions(IncusClient incus, SessionStore store, Host host, PrintWriter out, Fencing fencing, ProtectedView views) {
        this.incus = incus;
        this.store = store;
        this.host = host;
        this.out = out;
        this.fencing = fencing;
        this.views = views;
        this.steps = new LaunchSteps(incus, store, host, out, fencing, views);
        this.attachment = new Attachment(incus, store, fencing, out);
        this.resumes = new ResumeResolver(store);
        this.pool = new WarmPool(incus, host, fencing, store.root());
    }

    public WarmPool pool() {
        return pool;
    }

    /** `coi __reap NAME`: see {@link Reaper}. */
    public void reap(String container) {
        Reaper.reap(incus, fencing, views, store.root(), container);
    }

    /**
     * The placeholders of {@code workspace} if no container of it is left (see {@link Placeholders}),
     * waiting up to {@code patience} for a coi that still holds them (the run the reaper ends exits about now).
     */
    public List<String> sweepPlaceholders(Path workspace, java.time.Duration patience) {
        return Placeholders.sweepWorkspace(store.root(), workspace, incus::instancesOfAllProjects, patience);
    }

    /** What the agent wrote in nested git repositories of {@code workspace}, moved aside (see {@link GitGuard}). */
    public List<GitGuard.Quarantined> checkGit(Path workspace) {
        return GitGuard.check(store.root(), workspace, incus::instancesOfAllProjects);
    }

    /** The steps a launch is made of. */
    public LaunchSteps steps() {
        return steps;
    }

    /**
     * Where the warm pool and the monitor plug in: {@code adjust} gets every launcher this
     * service builds (new shell, new run, reuse; tell them apart by {@link Launcher#names()}) and
     * returns the one to run, e.g. with create … network replaced by "claim a pool member".
     */
    public Sessions adjustLaunchers(UnaryOperator<Launcher> adjust) {
        this.adjust = adjust;
        return this;
    }

    /** What a shell does once its session runs, before it makes sure the background process runs (which it may start). */
    public Sessions beforeBackgroundProcess(Runnable before) {
        this.beforeBackgroundProcess = before;
        return this;
    }

    public SessionStore store() {
        return store;
    }

    /**
     * The daemon's answers {@code prefetch} asked while the command read its config: a plan takes
     * those that fit it (see {@link Prefetch}) instead of asking again.
     */
    public Sessions prefetched(Prefetch prefetch) {
        this.prefetch = prefetch;
        steps.prefetched(prefetch);
        return this;
    }

    // ------------------------------------------------------------------ shell

    /** `coi shell`: what to start, and whether to attach the terminal. */
    public record ShellRequest(Workspace workspace, Config config, Integer slot, String resume, boolean attach, boolean dryRun,
                               Path sshAgent, boolean writableGitHooks, boolean tmux, boolean bash) {
        /** The tool in tmux, as `coi shell` runs it unless told `--tmux=false` (or `--debug`: bash instead of the tool). */
        public ShellRequest(Workspace workspace, Config config, Integer slot, String resume, boolean attach, boolean dryRun,
                            Path sshAgent, boolean writableGitHooks) {
            this(workspace, config, slot, resume, attach, dryRun, sshAgent, writableGitHooks, true, false);
        }
    }

    /** The plan `coi shell` would apply (`--dry-run`): fails exactly where applying it would. */
    public SessionPlan planShell(ShellRequest req) {
        return prepareShell(req).plan();
    }

    /**
     * What a `coi shell` did: the plan applied, and its exit code: the tool's under `--tmux=false`
     * (the tool ran on this terminal), else 0 (a session in tmux outlives the attach).
     */
    public record Shelled(SessionPlan plan, int exitCode) {}

    /** Plans and starts a tool session, then attaches to it (or says how to). */
    public Shelled shell(ShellRequest req) {
        // without tmux the tool needs this terminal: refused before anything is made
        if (!req.tmux()) Attachment.requireTerminal("`coi shell --tmux=false` runs the tool on this terminal: run it interactively"
                + " (without a terminal, `coi shell --detach` and `coi tmux send` drive a session)");
        Prepared prepared = prepareShell(req);
        SessionPlan plan = prepared.plan();
        Trace.mark("shell: planned");
        if (!req.tmux() && plan.disposition() == SessionPlan.Disposition.JOIN_RUNNING) {
            // a second tool on the same session state would corrupt it, and its end would stop the container under the first
            throw new CoiException(plan.container() + " is running (a session uses it): `coi attach " + plan.container() + "` joins its tmux,"
                    + " `coi shutdown " + plan.container() + "` ends it; --tmux=false starts the tool only in a container that is not running");
        }
        if (req.bash() && plan.disposition() == SessionPlan.Disposition.JOIN_RUNNING) {
            progress("--debug: " + plan.container() + " is running: its session, if up, is joined as it is (the tool, not bash);"
                    + " `coi attach " + plan.container() + " --bash` is a shell beside it");
        }
        // the original's progress lines: launching takes seconds and a silent terminal looks hung
        if (plan.creates()) {
            progress("Starting session...");
            progress("Setting up session " + plan.sessionId() + "...");
        }
        // an interactive attach starts its terminal beside the tmux exec (nothing is printed while it runs)
        EarlyTerminal terminal = req.attach() && req.tmux() && Terminal.interactive() ? new EarlyTerminal(incus, out) : null;
        UnaryOperator<Launcher> attaching = terminal == null ? UnaryOperator.identity() : terminal::around;
        try (Launcher.Launched launched = plan.creates() ? launchShell(prepared, req.config(), attaching, req.tmux())
                : adjust.apply(attaching.apply(shaped(steps.reuse(plan, req.tmux())))).launch(plan)) {
            launched.keep();
            plan = launched.plan();
        }
        boolean attached = terminal != null && terminal.started();
        StringWriter held = new StringWriter();
        beforeBackgroundProcess.run();
        Watcher.ensureRunning(host, store.root(), attached ? new PrintWriter(held) : out);
        Trace.mark("shell: background process running");
        int exit = 0;
        if (!req.tmux()) {
            exit = attachment.runToolAndEnd(plan.container(), plan.tmuxSession(), plan.code(), LaunchSteps.toolArgv(plan), req.workspace().path());
        } else if (attached) {
            // read while the user is in the session: a reboot inside is known later by a newer start
            String since = attachment.runningSince(plan.container());
            terminal.await();
            out.print(held);
            attachment.settle(plan.container(), plan.tmuxSession(), plan.code(), req.workspace().path(), since);
        } else if (req.attach()) {
            progress("Attaching to " + plan.container() + " (slot " + plan.slot() + ")...");
            attachment.attachAndSettle(plan.container(), plan.tmuxSession(), plan.code(), req.workspace().path());
        } else if (plan.creates()) {
            out.println("started " + plan.container() + " (session " + plan.sessionId() + "): `coi attach " + plan.container() + "` to join");
        } else {
            out.println("persistent container " + plan.container() + " is running: `coi attach " + plan.container() + "` to join");
        }
        out.flush();
        return new Shelled(plan, exit);
    }

    /**
     * A plan, how to plan again when a race with another coi loses its slot or address, and the
     * instances it was planned from (a pool claim looks among them first).
     */
    private record Prepared(SessionPlan plan, LaunchSteps.Replanner replanner, List<Model.Instance> instances) {}

    private Prepared prepareShell(ShellRequest req) {
        Config config = req.config();
        Tool tool = tool(config);
        DaemonFacts daemon = daemonFacts(config);
        List<Model.Instance> all = prefetch.instances(incus).orElseGet(incus::instancesWithoutState);
        Trace.mark("plan: instances listed");
        Map<String, Model.Instance> mine = instancesOf(req.workspace(), all);
        SessionMetadata resumeFrom = resumes.resolve(req.resume(), tool, req.workspace(), mine.values());
        Protection protection = protection(req.workspace(), config, req.writableGitHooks(), !req.dryRun(), mine.values(), all);

        Optional<Model.Instance> reusable = config.persistent() ? reusablePersistent(req, mine, resumeFrom) : Optional.empty();
        if (reusable.isPresent()) return new Prepared(reuseShell(reusable.get(), tool, config, req, all, protection, daemon), null, all);

        if (req.slot() != null) {
            String wanted = ContainerName.of(host.prefix(), req.workspace(), req.slot()).value();
            Model.Instance taken = mine.get(wanted);
            if (taken != null) {
                throw new CoiException("slot " + req.slot() + " is in use by " + wanted + " (" + taken.status().toLowerCase()
                        + "): `coi attach --slot " + req.slot() + "` to join it, or `coi shutdown " + wanted + "` to free it");
            }
        }
        boolean resumed = resumeFrom != null;
        String sessionId = resumed ? resumeFrom.sessionId() : UUID.randomUUID().toString();
        Path stateDir = store.stateDir(tool.name(), sessionId);
        // none: a login shell in its place (`coi shell --debug`)
        List<String> command = req.bash() ? List.of() : tool.command(new Launch(config.tool().binary(), config.tool().permissionMode(),
                resumed ? tool.resumeFrom(stateDir) : new Resume.None()));
        ToolLaunch launch = new ToolLaunch(tool.name(), command, tool.environment(), tool.stateDir());
        HostFacts facts = facts(req.workspace(), config, all, req.sshAgent(), protection, daemon);
        Trace.mark("plan: host facts");
        PlanAt planAt = (slot, f) -> Planner.plan(req.workspace(), config, "shell", slot, sessionId, resumed, launch, stateDir,
                store.root(), f);
        return new Prepared(planAt.plan(req.slot(), facts), replanner(req.slot(), facts, planAt), all);
    }

    private SessionPlan reuseShell(Model.Instance instance, Tool tool, Config config, ShellRequest req, List<Model.Instance> all,
                                   Protection protection, DaemonFacts daemon) {
        refuseUnmonitored(instance, config);
        String name = instance.name();
        String sessionId = instance.configValue(Labels.SESSION);
        Path stateDir = store.stateDir(tool.name(), sessionId);
        List<String> command = req.bash() ? List.of()
                : tool.command(new Launch(config.tool().binary(), config.tool().permissionMode(), tool.resumeFrom(stateDir)));
        List<Model.Instance> others = all.stream().filter(i -> !i.name().equals(name)).toList();
        SessionPlan plan = Planner.plan(req.workspace(), config, "shell", ContainerName.parse(host.prefix(), name).map(ContainerName::slot).orElse(1),
                sessionId, true, new ToolLaunch(tool.name(), command, tool.environment(), tool.stateDir()), stateDir, store.root(),
                facts(req.workspace(), config, others, req.sshAgent(), protection, daemon));
        return reusing(plan, instance, command);
    }

    /** The plan for an existing persistent container: as it was created (network, NIC, code user), started if stopped. */
    private SessionPlan reusing(SessionPlan plan, Model.Instance instance, List<String> command) {
        if (!instance.running()) MountSources.requireUnchanged(instance, Path.of(plan.workspace()));
        NetworkPolicy createdWith = Fencing.policy(instance);
        Map<String, String> eth0 = instance.devices() == null ? null : instance.devices().get("eth0");
        String mac = instance.configValue("volatile.eth0.hwaddr");
        if (eth0 != null && eth0.get("hwaddr") == null && mac != null) {
            // made before coi pinned the MAC: the one Incus gave it (and filters on), so its rules check DHCP too
            eth0 = new java.util.TreeMap<>(eth0);
            eth0.put("hwaddr", mac);
        }
        return plan.reusing(instance.running() ? SessionPlan.Disposition.JOIN_RUNNING : SessionPlan.Disposition.START_EXISTING,
                createdWith, createdWith.fenced() ? fencing.bridge() : null, eth0, command, CodeUser.of(instance));
    }

    /** Reuse-or-create is planned: a monitored session never reuses a container nobody watches. */
    private static void refuseUnmonitored(Model.Instance instance, Config config) {
        if (config.monitoring().enabled() && instance.configValue(Labels.MONITOR) == null) {
            throw new CoiException(instance.name() + " was created without --monitor and is not watched: `coi shutdown " + instance.name()
                    + "` and start again to get a monitored container");
        }
    }

    private Optional<Model.Instance> reusablePersistent(ShellRequest req, Map<String, Model.Instance> mine, SessionMetadata resumeFrom) {
        return mine.values().stream()
                .filter(i -> "true".equals(i.configValue(Labels.PERSISTENT)) && "shell".equals(i.configValue(Labels.KIND)))
                .filter(i -> req.slot() == null || i.name().equals(ContainerName.of(host.prefix(), req.workspace(), req.slot()).value()))
                .filter(i -> resumeFrom == null || resumeFrom.sessionId().equals(i.configValue(Labels.SESSION)))
                .min((a, b) -> a.name().compareTo(b.name()));   // not Comparator.comparing: see SessionStore.BY_SAVED
    }

    // ------------------------------------------------------------------ run

    public record RunRequest(Workspace workspace, Config config, Integer slot, List<String> command, boolean dryRun, Path sshAgent,
                             boolean writableGitHooks) {}

    /** The plan `coi run` would apply (`--dry-run`). */
    public SessionPlan planRun(RunRequest req) {
        return prepareRun(req).plan();
    }

    /** `coi run`: one command as code in /workspace; returns its exit code. */
    public int run(RunRequest req, InputStream stdin, OutputStream stdout, OutputStream stderr) {
        // linked while the launch mostly waits for Incus: beside the command itself it slowed its start
        if (!req.dryRun()) GitGuard.prepare();
        Prepared prepared = prepareRun(req);
        SessionPlan plan = prepared.plan();
        if (!plan.creates()) {
            // a persistent container is meant to be reused: run in it again
            try (Launcher.Launched launched = adjust.apply(shaped(steps.reuse(plan))).launch(plan)) {
                launched.keep();
            }
            int code = execCommand(plan, req.command(), stdin, stdout, stderr);
            progress("kept persistent container " + plan.container());
            warnGit(req.workspace(), stderr);
            return code;
        }
        // an ephemeral container goes when this block ends: an error or an interrupt undoes it, the command's end hands it to the Reaper
        try (Launcher.Launched launched = launchRun(prepared, req.config())) {
            plan = launched.plan();
            if (plan.persistent()) launched.keep();
            if (plan.limitDuration() != null) Watcher.ensureRunning(host, store.root(), out);
            Instant started = Instant.now();
            int code;
            try (MonitorGate.Follower warnings = plan.monitored()
                    ? MonitorGate.followWarnings(store.root(), plan.container(), started, stderr) : () -> { }) {
                code = execCommand(plan, req.command(), stdin, stdout, stderr);
            } finally {
                // also when the exec failed: a container stopped under a running exec can fail the operation instead of ending it
                if (plan.monitored()) MonitorGate.requireNotKilled(store.root(), plan.container(), started);
            }
            Trace.mark("run: command done");
            if (plan.persistent()) progress("kept persistent container " + plan.container());
            // the removal goes on after coi returns; when it cannot be handed off, closing the launch undoes it here
            else if (Reaper.handOff(incus, host, plan.container(), req.workspace().path(), WarmPool.fits(plan, req.config()))) launched.keep();
            Trace.mark("run: removal handed off");
            warnGit(req.workspace(), stderr);
            Trace.mark("run: nested git repositories checked");
            return code;
        }
    }

    /** After a `coi run` command: what the agent wrote in nested git repositories that was moved aside (see {@link GitGuard}). */
    private void warnGit(Workspace ws, OutputStream stderr) {
        PrintWriter warnings = new PrintWriter(new java.io.OutputStreamWriter(stderr, java.nio.charset.StandardCharsets.UTF_8));
        Attachment.warnGit(store.root(), ws.path(), incus, warnings);
        warnings.flush();
    }

    /** A new `coi run` container: a warm pool member when one fits and is ready, else made cold. */
    private Launcher.Launched launchRun(Prepared prepared, Config config) {
        Launcher cold = shaped(steps.run(prepared.replanner()));
        // no tmux: the attach makes code's home
        return launchPooled(cold, () -> pool.pooled(cold, LaunchSteps.CREATE, LaunchSteps.NETWORK, prepared.instances(), claimed -> { },
                claimed -> false), prepared.plan(), config);
    }

    /**
     * A new `coi shell` container: a warm pool member when one fits and is ready, else made cold.
     * The claim and its attach stand for create .. release-view; code's home and the tool's presence
     * are the tmux exec's where they need nothing of root's, as in a cold shell, else the attach makes
     * the home and the tool's presence is checked in the running member meanwhile (a missing tool fails
     * the launch, which removes it). {@code attaching} sees the pooled steps too.
     */
    private Launcher.Launched launchShell(Prepared prepared, Config config, UnaryOperator<Launcher> attaching, boolean tmux) {
        Launcher cold = shaped(steps.shell(prepared.replanner(), tmux));
        Consumer<SessionPlan> toolCheck = claimed -> {
            if (!CodeHome.madeInTmuxExec(claimed)) steps.requireTool(claimed);
        };
        return launchPooled(attaching.apply(cold), () -> attaching.apply(pool.pooled(cold, LaunchSteps.CREATE, LaunchSteps.RELEASE_VIEW,
                prepared.instances(), toolCheck, CodeHome::madeInTmuxExec).without(LaunchSteps.HOME)), prepared.plan(), config);
    }

    /**
     * {@code pooled} when the plan may come from the pool and a member is ready; {@code cold}
     * otherwise. The claim looks the image up itself: a missing one is no member, and the cold
     * launch's image step says what to do.
     */
    private Launcher.Launched launchPooled(Launcher cold, Supplier<Launcher> pooled, SessionPlan plan, Config config) {
        if (WarmPool.fits(plan, config)) {
            try {
                return adjust.apply(pooled.get().without(LaunchSteps.IMAGE)).launch(plan);
            } catch (WarmPool.NoneReady e) {
                Trace.mark("pool: none ready, launching cold");
            }
        }
        return adjust.apply(cold).launch(plan);
    }

    /** What every launch adds to the steps: the fence installed under its container's {@link NameLock}, and trace marks. */
    private Launcher shaped(Launcher launcher) {
        return launcher.around(step -> {
            Launcher.Step locked = !step.name().equals(LaunchSteps.FENCE) ? step : Launcher.step(step.name(), launch -> {
                try (NameLock lock = NameLock.hold(store.root(), launch.plan().container())) {
                    return step.apply(launch);
                }
            });
            if (!Trace.on()) return locked;
            return Launcher.step(step.name(), launch -> {
                Launcher.Undo undo = locked.apply(launch);
                Trace.mark("launch: " + step.name());
                return undo;
            });
        });
    }

    private Prepared prepareRun(RunRequest req) {
        Config config = req.config();
        DaemonFacts daemon = daemonFacts(config);
        List<Model.Instance> all = prefetch.instances(incus).orElseGet(incus::instancesWithoutState);
        Trace.mark("plan: instances listed");
        Map<String, Model.Instance> mine = instancesOf(req.workspace(), all);
        String owner = Owner.current();
        PlanAt planAt = (slot, f) -> Planner.plan(req.workspace(), config, "run", slot, null, false, null, null, store.root(), f)
                .withLabel(Labels.OWNER, owner);
        HostFacts facts = facts(req.workspace(), config, all, req.sshAgent(), protection(req.workspace(), config, req.writableGitHooks(), !req.dryRun(), mine.values(), all),
                daemon);
        Trace.mark("plan: host facts");
        if (config.persistent()) {
            SessionPlan reusePlan = planAt.plan(req.slot() == null ? 1 : req.slot(), facts);
            Model.Instance kept = mine.get(reusePlan.container());
            if (kept != null && SessionAdmin.persistent(kept)) {
                refuseUnmonitored(kept, config);
                return new Prepared(reusing(reusePlan, kept, List.of()), null, all);
            }
        }
        SessionPlan plan = planAt.plan(req.slot(), facts);
        if (req.slot() != null && mine.containsKey(plan.container())) {
            throw new CoiException("slot " + req.slot() + " is in use by " + plan.container() + ": pick another --slot or leave it out");
        }
        return new Prepared(plan, replanner(req.slot(), facts, planAt), all);
    }

    /** What `coi run` runs for {@code command}: one word is a bash command line, several are the argv. */
    public static List<String> runArgv(List<String> command) {
        return command.size() == 1 ? List.of("bash", "-c", command.getFirst()) : command;
    }

    /** {@link #runArgv} as a shell line, for people to read. */
    public static String runLine(List<String> command) {
        return Shell.join(runArgv(command));
    }

    /** The user's command as code in /workspace: one string through bash, several words as they are. */
    private int execCommand(SessionPlan plan, List<String> command, InputStream stdin, OutputStream stdout, OutputStream stderr) {
        List<String> argv = runArgv(command);
        return incus.exec(plan.container(), plan.code().exec(argv, SessionPlan.WORKSPACE_MOUNT), stdin, stdout, stderr);
    }

    private void progress(String line) {
        out.println(line);
        out.flush();
    }

    // ------------------------------------------------------------------ attach

    /** `coi attach`: the named container, the one in --slot, or the only running session of this workspace. */
    public int attach(Workspace ws, String name, Integer slot, boolean bash) {
        String target = name;
        if (target == null && slot != null) {
            String wanted = ContainerName.of(host.prefix(), ws, slot).value();
            target = instancesOf(ws).values().stream().filter(i -> slotName(i).equals(wanted)).map(Model.Instance::name)
                    .findFirst().orElse(wanted);
        }
        if (target == null) {
            List<Model.Instance> running = instancesOf(ws).values().stream().filter(Model.Instance::running)
                    .sorted(Comparator.comparing(Model.Instance::name)).toList();
            if (running.isEmpty()) throw new CoiException("no running session for " + ws + ": start one with `coi shell`");
            if (running.size() > 1) {
                out.println("several sessions run for " + ws + "; choose one with `coi attach NAME` or `--slot N`:");
                running.forEach(i -> out.println("  " + i.name() + "  slot " + i.configValue(Labels.SLOT)));
                out.flush();
                return 1;
            }
            target = running.get(0).name();
        }
        Model.Instance instance = Attachment.running(incus, target, host.prefix());
        CodeUser code = CodeUser.of(instance);
        if (bash) return attachment.bash(target, code);
        String tmux = ContainerName.tmuxSession(target);
        if (!Attachment.tmuxRunning(incus, target, tmux, code)) {
            throw new CoiException("no tmux session in " + target + " (the tool and its shell exited): `coi attach " + target
                    + " --bash` for a shell, `coi shutdown " + target + "` to end it");
        }
        return attachment.attachAndSettle(target, tmux, code, ws.path());
    }

    // ------------------------------------------------------------------ planning

    /** Plans for a slot (null: the lowest free one) with these host facts. */
    private interface PlanAt {
        SessionPlan plan(Integer slot, HostFacts facts);
    }

    /**
     * Races with another coi are settled by Incus's unique names and addresses: a lost automatic
     * slot moves on to the next free one, a lost address to another address.
     */
    private static LaunchSteps.Replanner replanner(Integer requestedSlot, HostFacts first, PlanAt planAt) {
        return new LaunchSteps.Replanner() {
            private HostFacts facts = first;

            @Override
            public Optional<SessionPlan> nextSlot(SessionPlan lost) {
                if (requestedSlot != null) return Optional.empty();
                facts = facts.withExisting(Set.of(lost.container()));
                return Optional.of(planAt.plan(null, facts));
            }

            @Override
            public SessionPlan otherAddress(SessionPlan lost) {
                facts = facts.withTaken(Set.of(Fencing.address(lost.devices().get("eth0"))));
                return planAt.plan(lost.slot(), facts);
            }
        };
    }

    // ------------------------------------------------------------------ queries

    /** The daemon's facts for a plan of {@code config}: the prefetched ones when they fit, else asked now. */
    private DaemonFacts daemonFacts(Config config) {
        return prefetch.facts(incus, config).orElseGet(() -> DaemonFacts.ask(incus, fencing, config));
    }

    /** This workspace's coi containers by name. */
    public Map<String, Model.Instance> instancesOf(Workspace ws) {
        return instancesOf(ws, incus.instances());
    }

    private Map<String, Model.Instance> instancesOf(Workspace ws, List<Model.Instance> all) {
        return all.stream().filter(i -> i.name().startsWith(host.prefix()) && ws.path().toString().equals(i.configValue(Labels.WORKSPACE)))
                .collect(Collectors.toMap(Model.Instance::name, i -> i));
    }

    /**
     * {@code mine}: the workspace's containers, one of which a persistent launch may start again with the mounts it was
     * made with; {@code all}: every container listed, whose starts without a launch the git guard joins (see GitGuard).
     */
    private Protection protection(Workspace ws, Config config, boolean writableGitHooks, boolean create, java.util.Collection<Model.Instance> mine,
                                  List<Model.Instance> all) {
        // --writable-git-hooks: git's own files only; the other protected paths stay read-only
        List<String> paths = config.security().protectedPaths().stream().filter(rel -> !(writableGitHooks && rel.startsWith(".git/"))).toList();
        if (!create) return Protection.of(ws.path(), paths, false, views.available());
        // the placeholders this launch makes or mounts stay until its container is there to keep them (see Placeholders), and
        // what is written in the workspace from now may be the agent's (see GitGuard)
        String folder = Placeholders.hold(store.root(), ws.path());
        List<Path> mounts = new ArrayList<>(writableMounts(config));
        for (Model.Instance i : mine) mounts.addAll(writableSources(i));
        GitGuard.launched(store.root(), ws.path(), folder, mounts, all);
        if (paths.isEmpty()) return Protection.of(ws.path(), paths, true, views.available()).heldIn(folder);
        List<String> made = new ArrayList<>();
        try {
            return Protection.of(ws.path(), paths, true, views.available(), made::add).heldIn(folder);
        } finally {
            Placeholders.record(store.root(), ws.path(), made);
        }
    }

    /** The host folders a session of {@code config} can write besides its workspace: its writable mounts, the storage folder. */
    static List<Path> writableMounts(Config config) {
        List<Path> folders = new ArrayList<>();
        for (Mount m : config.mounts()) {
            if (!m.readonly()) folders.add(m.host());
        }
        config.paths().storageDir().ifPresent(folders::add);
        return folders;
    }

    /**
     * The host folders {@code instance} mounts writable besides its workspace and coi's own folders (its state, the views):
     * a persistent container started again brings the mounts it was made with, whatever this launch's config says.
     */
    private List<Path> writableSources(Model.Instance instance) {
        List<Path> sources = new ArrayList<>();
        Placeholders.writableDisks(instance).forEach((device, source) -> {
            Path p = Path.of(source);
            if (!device.equals("workspace") && !p.startsWith(store.root())) sources.add(p);
        });
        return sources;
    }

    private HostFacts facts(Workspace workspace, Config config, List<Model.Instance> all, Path sshAgent, Protection protectedPaths,
                            DaemonFacts daemon) {
        MountSources.require(config, workspace);
        Ownership.requireMappable(host.uid(), host.gid());
        Set<String> names = all.stream().map(this::slotName).collect(Collectors.toSet());
        boolean fenced = Planner.policy(config).fenced();
        BridgeFacts bridge = fenced ? daemon.bridge() : null;
        return new HostFacts(host.uid(), host.gid(), config.incus().codeUid(), host.prefix(), names,
                bridge, fenced ? Fencing.taken(all, daemon.leased()) : Set.of(), sshAgent, protectedPaths);
    }

    /**
     * The name that holds an instance's slot: its own, or for a session in a claimed pool member
     * the `coi-<hash>-<slot>` name its labels stand for, so that the next session of the workspace
     * takes another slot.
     */
    private String slotName(Model.Instance i) {
        String workspace = i.configValue(Labels.WORKSPACE), slot = i.configValue(Labels.SLOT);
        if (!Pool.named(host.prefix(), i.name()) || workspace == null || slot == null) return i.name();
        try {
            return ContainerName.of(host.prefix(), new Workspace(Path.of(workspace)), Integer.parseInt(slot)).value();
        } catch (RuntimeException unparsable) {
            return i.name();
        }
    }

    private static Tool tool(Config config) {
        try {
            return Tool.named(config.tool().name());
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    static String now() {
        return OffsetDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
    }
}
