package coi.session;

import coi.CoiException;
import coi.Trace;
import coi.UsageException;
import coi.config.Config;
import coi.incus.ExecRequest;
import coi.incus.IncusClient;
import coi.incus.IncusException;
import coi.incus.InstanceSpec;
import coi.incus.Model;
import coi.incus.Retries;
import coi.incus.Terminal;
import coi.network.FenceException;
import coi.network.NetworkPolicy;
import coi.tool.Launch;
import coi.tool.Resume;
import coi.tool.Tool;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * Session lifecycle: plan, then apply as a short linear sequence of client calls. The tool's
 * state directory is a live mount of the host's session directory and the workspace is a
 * mount too, so no exit path (detach, poweroff inside, kill, a crash of coi) can lose them; the
 * metadata is written at start and again at every end coi or its watcher sees.
 */
public final class Sessions {
    public static final int CODE_UID = 1000;

    private final IncusClient incus;
    private final SessionStore store;
    private final Host host;
    private final PrintWriter out;
    private final Fencing fencing;
    private final ProtectedView views;
    private final WarmPool pool;

    /** The invoking user and process, as facts: tests and the watcher pass their own. */
    public record Host(int uid, int gid, Path home, String prefix, Path launcher) {}

    public Sessions(IncusClient incus, SessionStore store, Host host, PrintWriter out) {
        this.incus = incus;
        this.store = store;
        this.host = host;
        this.out = out;
        this.fencing = Fencing.onHost(incus, host.uid());
        this.views = ProtectedView.onHost(host.uid());
        this.pool = new WarmPool(incus, host, fencing, store.root());
    }

    public WarmPool pool() {
        return pool;
    }

    /** `coi __reap NAME`: see {@link Reaper}. */
    public void reap(String container) {
        Reaper.reap(incus, fencing, views, store.root(), container);
    }

    public SessionStore store() {
        return store;
    }

    // ------------------------------------------------------------------ shell

    /** `coi shell`: what to start, and whether to attach the terminal. */
    public record ShellRequest(Workspace workspace, Config config, Integer slot, String resume, boolean attach, boolean dryRun,
                               Path sshAgent, boolean writableGitHooks) {}

    /** Plans (and unless dry-run, starts) a tool session; returns the plan that was applied. */
    public SessionPlan shell(ShellRequest req) {
        Config config = req.config();
        Tool tool = tool(config);
        List<Model.Instance> all = incus.instances();
        Map<String, Model.Instance> mine = instancesOf(req.workspace(), all);
        SessionMetadata resumeFrom = resolveResume(req.resume(), tool, req.workspace(), mine);

        Optional<Model.Instance> reusable = config.persistent() ? reusablePersistent(req, mine, resumeFrom) : Optional.empty();
        if (reusable.isPresent()) return reuse(reusable.get(), tool, config, req, all);

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
        List<String> command = tool.command(new Launch(config.tool().binary(), config.tool().permissionMode(),
                resumed ? tool.resumeFrom(stateDir) : new Resume.None()));
        ToolLaunch launch = new ToolLaunch(tool.name(), command, tool.environment(), tool.stateDir());
        HostFacts facts = facts(config, all, req.sshAgent(), protection(req.workspace(), config, req.writableGitHooks(), !req.dryRun()));
        Replan replan = (slot, f) -> Planner.plan(req.workspace(), config, "shell", slot, sessionId, resumed, launch, stateDir,
                store.root(), f);
        SessionPlan plan = replan.at(req.slot(), facts);
        if (req.dryRun()) return plan;

        // the original's progress lines: launching takes seconds and a silent terminal looks hung
        progress("Starting session...");
        requireImage(config.image());
        ensureStorage(config);
        boolean freshState = !Files.isDirectory(stateDir);
        prepareState(tool, config, stateDir, freshState);
        try (Cleanup cleanup = new Cleanup(freshState ? store.dir(tool.name(), sessionId) : null)) {
            java.time.Instant launched = java.time.Instant.now();
            plan = create(plan, replan, req.slot() == null, facts, config, cleanup);
            if (config.monitoring().enabled()) MonitorGate.require(host, store.root(), plan.container(), launched, out);
            SessionMetadata metadata = new SessionMetadata(sessionId, plan.container(), tool.name(), plan.persistent(),
                    plan.workspace(), now(), resumed ? resumeFrom.createdAt() : now(), plan.slot(), plan.image(), "running");
            store.save(metadata);
            progress("Setting up session " + sessionId + "...");
            CodeHome.prepare(incus, plan, config);
            startTmux(plan.container(), plan.tmuxSession(), plan.toolCommand());
            cleanup.disarm();
        }
        Watcher.ensureRunning(host, store.root(), out);
        if (req.attach()) {
            progress("Attaching to " + plan.container() + " (slot " + plan.slot() + ")...");
            attachAndSettle(plan.container(), plan.tmuxSession());
        } else out.println("started " + plan.container() + " (session " + sessionId + "): `coi attach " + plan.container() + "` to join");
        out.flush();
        return plan;
    }

    private SessionPlan reuse(Model.Instance instance, Tool tool, Config config, ShellRequest req, List<Model.Instance> all) {
        String name = instance.name();
        String sessionId = instance.configValue(Labels.SESSION);
        String tmux = ContainerName.tmuxSession(name);
        // planned without this container's own address taken, the NIC comes out as it was planned at creation
        List<Model.Instance> others = all.stream().filter(i -> !i.name().equals(name)).toList();
        HostFacts facts = facts(config, others, req.sshAgent(), protection(req.workspace(), config, req.writableGitHooks(), !req.dryRun()));
        SessionPlan plan = Planner.plan(req.workspace(), config, "shell", ContainerName.parse(host.prefix(), name).map(ContainerName::slot).orElse(1),
                sessionId, true, new ToolLaunch(tool.name(), List.of(), tool.environment(), tool.stateDir()),
                store.stateDir(tool.name(), sessionId), store.root(), facts);
        if (req.dryRun()) return plan;
        if (!instance.running()) startPersistent(instance, req.workspace(), facts);
        if (!tmuxRunning(name, tmux)) {
            List<String> command = tool.command(new Launch(config.tool().binary(), config.tool().permissionMode(),
                    tool.resumeFrom(store.stateDir(tool.name(), sessionId))));
            startTmux(name, tmux, command);
        }
        store.find(tool.name(), sessionId).ifPresent(m -> store.save(m.running(name, m.slot(), true, now())));
        Watcher.ensureRunning(host, store.root(), out);
        if (req.attach()) {
            progress("Attaching to " + name + " (slot " + plan.slot() + ")...");
            attachAndSettle(name, tmux);
        } else out.println("persistent container " + name + " is running: `coi attach " + name + "` to join");
        out.flush();
        return plan;
    }

    private Optional<Model.Instance> reusablePersistent(ShellRequest req, Map<String, Model.Instance> mine, SessionMetadata resumeFrom) {
        return mine.values().stream()
                .filter(i -> "true".equals(i.configValue(Labels.PERSISTENT)) && "shell".equals(i.configValue(Labels.KIND)))
                .filter(i -> req.slot() == null || i.name().equals(ContainerName.of(host.prefix(), req.workspace(), req.slot()).value()))
                .filter(i -> resumeFrom == null || resumeFrom.sessionId().equals(i.configValue(Labels.SESSION)))
                .min(Comparator.comparing(Model.Instance::name));
    }

    private SessionMetadata resolveResume(String resume, Tool tool, Workspace ws, Map<String, Model.Instance> mine) {
        if (resume == null) return null;
        SessionMetadata found;
        if (resume.isEmpty()) {
            found = store.newest(tool.name(), ws).orElseThrow(() -> new CoiException("no saved " + tool.name()
                    + " session for " + ws + ": start one with `coi shell`, or see all with `coi list --all`"));
        } else {
            found = store.find(tool.name(), resume).orElseGet(() -> {
                Optional<SessionMetadata> other = store.find(resume);
                if (other.isPresent()) {
                    throw new UsageException("session " + resume + " is a " + other.get().tool() + " session: add `--tool " + other.get().tool() + "`");
                }
                throw new UsageException("unknown session id " + resume + ": `coi list --all` shows the saved sessions");
            });
            if (!ws.path().toString().equals(found.workspace())) {
                throw new UsageException("session " + resume + " belongs to workspace " + found.workspace() + ", not " + ws
                        + ": run coi there, or pass `--workspace " + found.workspace() + "`");
            }
        }
        for (Model.Instance i : mine.values()) {
            if (found.sessionId().equals(i.configValue(Labels.SESSION)) && i.running() && !"true".equals(i.configValue(Labels.PERSISTENT))) {
                throw new CoiException("session " + found.sessionId() + " is open in " + i.name() + ": `coi attach " + i.name() + "`");
            }
        }
        return found;
    }

    // ------------------------------------------------------------------ run

    public record RunRequest(Workspace workspace, Config config, Integer slot, List<String> command, boolean dryRun, Path sshAgent,
                             boolean writableGitHooks) {}

    private void progress(String line) {
        out.println(line);
        out.flush();
    }

    /** `coi run --persistent` when its container is already there: started if stopped, the command run in it. */
    private int runAgain(Model.Instance instance, RunRequest req, HostFacts facts, InputStream stdin, OutputStream stdout,
                         OutputStream stderr) {
        String name = instance.name();
        if (!instance.running()) {
            startPersistent(instance, req.workspace(), facts);
            incus.awaitIpv4(name, java.time.Duration.ofSeconds(15));
        }
        int code = execCommand(name, req.command(), stdin, stdout, stderr);
        progress("kept persistent container " + name);
        return code;
    }

    /** A stopped persistent container started again: its fence first, its protected view while it starts. */
    private void startPersistent(Model.Instance instance, Workspace workspace, HostFacts facts) {
        String name = instance.name();
        progress("starting persistent container " + name);
        installFence(() -> fencing.reinstall(instance, fencing.bridge()));
        withView(name, workspace.path(), facts, () -> incus.start(name));
    }

    /** The user's command as `code` in /workspace: one string through bash, several words as they are. */
    private int execCommand(String container, List<String> command, InputStream stdin, OutputStream stdout, OutputStream stderr) {
        List<String> argv = command.size() == 1 ? List.of("bash", "-c", command.get(0)) : command;
        return incus.exec(container, new ExecRequest(argv, Map.of(), CODE_UID, CODE_UID, SessionPlan.WORKSPACE_MOUNT), stdin, stdout, stderr);
    }

    /** `coi run`: one command as `code` in /workspace; returns its exit code. */
    public int run(RunRequest req, InputStream stdin, OutputStream stdout, OutputStream stderr, List<SessionPlan> planOut) {
        Config config = req.config();
        Trace.mark("run: start");
        List<Model.Instance> all = incus.instances();
        Trace.mark("run: instances listed");
        Map<String, Model.Instance> mine = instancesOf(req.workspace(), all);
        String owner = Owner.current();
        Replan replan = (slot, f) -> Planner.plan(req.workspace(), config, "run", slot, null, false, null, null, store.root(), f)
                .withLabel(Labels.OWNER, owner);
        HostFacts facts = facts(config, all, req.sshAgent(), protection(req.workspace(), config, req.writableGitHooks(), !req.dryRun()));
        SessionPlan plan = replan.at(req.slot(), facts);
        SessionPlan reusePlan = config.persistent() ? replan.at(req.slot() == null ? 1 : req.slot(), facts) : null;
        Model.Instance kept = reusePlan == null ? null : mine.get(reusePlan.container());
        if (kept != null && SessionAdmin.persistent(kept)) {
            // a persistent container is meant to be reused: run in it again
            planOut.add(reusePlan);
            if (config.monitoring().enabled() && kept.configValue(Labels.MONITOR) == null) {
                throw new CoiException(kept.name() + " was created without --monitor and is not watched: `coi shutdown " + kept.name()
                        + "` and run again to get a monitored container");
            }
            return req.dryRun() ? 0 : runAgain(kept, req, facts, stdin, stdout, stderr);
        }
        if (req.slot() != null && mine.containsKey(plan.container())) {
            throw new CoiException("slot " + req.slot() + " is in use by " + plan.container() + ": pick another --slot or leave it out");
        }
        planOut.add(plan);
        if (req.dryRun()) return 0;
        Trace.mark("run: planned");
        requireImage(config.image());
        ensureStorage(config);
        try (Cleanup cleanup = new Cleanup(null)) {
            java.time.Instant launched = java.time.Instant.now();
            Optional<SessionPlan> pooled = WarmPool.fits(plan, config, facts)
                    ? pool.claim(plan, config, all, facts.bridge() != null ? facts.bridge() : fencing.bridge(), name -> cleanup.container(name, true))
                    : Optional.empty();
            plan = pooled.isPresent() ? pooled.get() : create(plan, replan, req.slot() == null, facts, config, cleanup);
            planOut.set(0, plan);
            if (config.monitoring().enabled()) MonitorGate.require(host, store.root(), plan.container(), launched, out);
            SessionPlan started = plan;
            // DHCP takes a moment after start (commands that need the network should not race it): the home is made meanwhile
            Overlap.run(() -> incus.awaitIpv4(started.container(), java.time.Duration.ofSeconds(15)),
                    () -> CodeHome.prepare(incus, started, config));
            Trace.mark("run: home prepared, address leased");
            if (plan.persistent()) cleanup.disarm();
            if (config.limits().duration().isPresent()) Watcher.ensureRunning(host, store.root(), out);
            int code;
            try (MonitorGate.Follower warnings = config.monitoring().enabled()
                    ? MonitorGate.followWarnings(store.root(), plan.container(), launched, stderr) : () -> { }) {
                code = execCommand(plan.container(), req.command(), stdin, stdout, stderr);
                Trace.mark("run: command done");
            } finally {
                // also when the exec failed: a container stopped under a running exec can fail the operation instead of ending it
                if (config.monitoring().enabled()) MonitorGate.requireNotKilled(store.root(), plan.container(), launched);
            }
            if (plan.persistent()) progress("kept persistent container " + plan.container());
            else cleanup.handOff(req.workspace().path(), pooled.isPresent());
            return code;
        }
    }

    // ------------------------------------------------------------------ attach

    /** `coi attach`: the named container, the one in --slot, or the only running session of this workspace. */
    public int attach(Workspace ws, String name, Integer slot, boolean bash) {
        String target = name;
        if (target == null && slot != null) target = ContainerName.of(host.prefix(), ws, slot).value();
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
        if (!target.startsWith(host.prefix())) throw SessionAdmin.notCoi(target, host.prefix());
        Model.Instance instance;
        try {
            instance = incus.instance(target);
        } catch (IncusException.NotFound e) {
            throw new CoiException("container " + target + " not found: `coi list` shows the running sessions");
        }
        if (!instance.running()) {
            throw new CoiException("container " + target + " is " + instance.status().toLowerCase()
                    + ": `coi shell --persistent --slot " + instance.configValue(Labels.SLOT) + "` starts it again");
        }
        String tmux = ContainerName.tmuxSession(target);
        if (!bash && !tmuxRunning(target, tmux)) {
            throw new CoiException("no tmux session in " + target + " (the tool and its shell exited): `coi attach " + target
                    + " --bash` for a shell, `coi shutdown " + target + "` to end it");
        }
        if (!Terminal.interactive()) throw new UsageException("`coi attach` needs a terminal: run it from an interactive shell");
        if (bash) return Terminal.attach(incus, target, CODE_UID, CODE_UID, SessionPlan.WORKSPACE_MOUNT, List.of("bash", "-l"));
        return attachAndSettle(target, tmux);
    }

    private int attachAndSettle(String container, String tmux) {
        if (!Terminal.interactive()) {
            throw new UsageException("`coi shell` needs a terminal to attach: run it interactively, or use `--detach` and `coi attach` later");
        }
        int code = Terminal.attach(incus, container, CODE_UID, CODE_UID, SessionPlan.WORKSPACE_MOUNT,
                List.of("tmux", "attach-session", "-t", tmux));
        settle(container, tmux);
        return code;
    }

    /** After the terminal returns: saved and removed if the container went down, a hint otherwise. */
    private void settle(String container, String tmux) {
        if (!tmuxRunning(container, tmux) && shuttingDown(container)) awaitStop(container);
        Optional<Model.Instance> now = incus.findInstance(container);
        if (now.isEmpty() || !now.get().running()) {
            Finalizer finalizer = new Finalizer(incus, store);
            now.ifPresentOrElse(finalizer::ended, () -> finalizer.endedByName(container));
            if (incus.findInstance(container).isEmpty()) fencing.remove(container);
            out.println("session ended: container " + container + (now.isPresent() && "true".equals(now.get().configValue(Labels.PERSISTENT))
                    ? " stopped (persistent)" : " removed") + "; `coi shell --resume` continues it");
        } else if (tmuxRunning(container, tmux)) {
            out.println("detached from " + container + ": `coi attach " + container + "` to return");
        } else {
            out.println("the tool exited; " + container + " is still running: `coi attach " + container + " --bash` or `coi shutdown " + container + "`");
        }
        out.flush();
    }

    // ------------------------------------------------------------------ applying a plan

    /** Plans again for another slot or with more addresses taken, when a race lost the first choice. */
    private interface Replan {
        SessionPlan at(Integer slot, HostFacts facts);
    }

    /**
     * Creates the container. In a fenced network mode it is created stopped, the host rules go in,
     * and only then does it start, so its network never comes up unfenced. Races with another coi
     * are settled by Incus's unique names and addresses: a lost automatic slot moves on to the
     * next free one, a lost address to another address.
     */
    private SessionPlan create(SessionPlan plan, Replan replan, boolean autoSlot, HostFacts facts, Config config, Cleanup cleanup) {
        List<Path> built = new java.util.ArrayList<>();
        try {
            return launch(plan, replan, autoSlot, facts, config, cleanup, built::add);
        } finally {
            // the started container holds its own, locked copy of the view's mounts
            built.forEach(views::remove);
        }
    }

    private SessionPlan launch(SessionPlan plan, Replan replan, boolean autoSlot, HostFacts facts, Config config, Cleanup cleanup,
                               java.util.function.Consumer<Path> built) {
        NetworkPolicy policy = Fencing.policy(config);
        boolean fenced = !(policy instanceof NetworkPolicy.Open);
        for (int attempt = 1; ; attempt++) {
            // until the launch completes, an interrupted or failed one removes the container, persistent or not
            cleanup.container(plan.container(), fenced);
            SessionPlan creating = plan;
            HostFacts known = facts;
            try {
                // the view need only be complete when the container starts: it is built while Incus creates
                Overlap.run(() -> buildView(creating.container(), Path.of(creating.workspace()), known).ifPresent(built),
                        () -> incus.createInstance(new InstanceSpec(creating.container(), creating.image(), creating.config(),
                                creating.devices(), null, !creating.persistent(), false)));
            } catch (IncusException e) {
                cleanup.container(null, false);
                if (!autoSlot || attempt > ContainerName.MAX_SLOT || !incus.instanceExists(plan.container())) throw e;
                facts = facts.withExisting(Set.of(plan.container()));
                plan = replan.at(null, facts);
                continue;
            }
            Trace.mark("launch: created");
            if (plan.tool() != null) {
                ToolPresence.require(incus.files(plan.container()), Tool.named(plan.tool()), plan.toolCommand().getFirst(), plan.image());
            }
            if (!fenced) {
                incus.start(plan.container());
                return plan;
            }
            SessionPlan created = plan;
            var bridge = facts.bridge();
            try (NameLock lock = NameLock.hold(store.root(), created.container())) {
                installFence(() -> fencing.install(created.container(), created.devices().get("eth0"), bridge, policy));
            }
            Trace.mark("launch: fenced");
            try {
                incus.start(plan.container());
                Trace.mark("launch: started");
                return plan;
            } catch (IncusException.AlreadyExists e) {
                // another coi may have claimed the same address between our plan and our start (incusd: 409)
                if (attempt > 5) throw e;
                cleanup.undoContainer();
                facts = facts.withTaken(Set.of(Fencing.address(plan.devices().get("eth0"))));
                plan = replan.at(plan.slot(), facts);
            }
        }
    }

    /** The protected view the plan's workspace device points at, built; empty when nothing is protected. */
    private Optional<Path> buildView(String container, Path workspace, HostFacts facts) {
        if (facts.protection().readOnly().isEmpty()) return Optional.empty();
        if (!facts.protection().locked()) {
            // stderr: `coi run` passes the command's stdout through untouched
            System.err.println("coi: warning: the protected paths are read-only for code, but root inside can unmount them:"
                    + " coi needs root, or the sudo rule `coi setup` installs, to lock them (see README, Sessions)");
            return Optional.empty();
        }
        Path view = ProtectedView.path(store.root(), container);
        views.build(view, workspace, facts.protection());
        return Optional.of(view);
    }

    private void withView(String container, Path workspace, HostFacts facts, Runnable start) {
        Optional<Path> view = buildView(container, workspace, facts);
        try {
            start.run();
        } finally {
            view.ifPresent(views::remove);
        }
    }

    private void installFence(Runnable install) {
        try {
            install.run();
        } catch (FenceException e) {
            throw new CoiException(e.getMessage() + (host.uid() == 0 ? ""
                    : " (coi runs nft through `sudo -n`: `coi setup` installs the sudoers rule)"));
        }
    }

    private void prepareState(Tool tool, Config config, Path stateDir, boolean fresh) {
        try {
            Files.createDirectories(stateDir);
            if (fresh && config.mountClaudeConfig()) tool.seed(host.home(), stateDir);
            if (host.uid() != 0) return;
            // the state dir is mounted with the container's idmap: make it the invoking user's
            Files.setPosixFilePermissions(stateDir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        } catch (IOException e) {
            throw new CoiException("cannot prepare the tool state in " + stateDir + ": " + e.getMessage(), e);
        }
    }

    private void startTmux(String container, String tmux, List<String> toolCommand) {
        String line = toolCommand.isEmpty() ? "exec bash -l" : Shell.join(toolCommand) + "; exec bash -l";
        var r = incus.execCapture(container, new ExecRequest(List.of("tmux", "new-session", "-d", "-s", tmux,
                "-x", "200", "-y", "50", "-c", SessionPlan.WORKSPACE_MOUNT, "bash", "-lc", line), Map.of(), CODE_UID, CODE_UID,
                SessionPlan.WORKSPACE_MOUNT));
        if (r.exitCode() != 0) {
            throw new CoiException("could not start tmux in " + container + ": " + r.err().trim() + " (is tmux installed in the image?)");
        }
    }

    /** tmux dies early in a `poweroff` inside, while Incus still says Running: ask systemd. */
    private boolean shuttingDown(String container) {
        try {
            String state = incus.execCapture(container, ExecRequest.of("systemctl", "is-system-running")).out().trim();
            return state.equals("stopping") || state.isEmpty();
        } catch (IncusException e) {
            return true;
        }
    }

    private void awaitStop(String container) {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < deadline && incus.findInstance(container).map(Model.Instance::running).orElse(false)) {
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    boolean tmuxRunning(String container, String tmux) {
        try {
            return incus.execCapture(container, new ExecRequest(List.of("tmux", "has-session", "-t", tmux), Map.of(),
                    CODE_UID, CODE_UID, SessionPlan.CODE_HOME)).exitCode() == 0;
        } catch (IncusException e) {
            return false;
        }
    }

    private static void ensureStorage(Config config) {
        config.paths().storageDir().ifPresent(dir -> {
            try {
                Files.createDirectories(dir);
            } catch (IOException e) {
                throw new CoiException("cannot create the storage folder " + dir + ": " + e.getMessage(), e);
            }
        });
    }

    private void requireImage(String image) {
        if (!incus.aliasExists(image)) {
            throw new CoiException("image '" + image + "' not found: build it with `coi build`"
                    + (image.equals("coi") ? "" : " (or `coi build custom " + image + " --script FILE`)") + ", or pick one with --image");
        }
    }

    // ------------------------------------------------------------------ queries

    /** This workspace's coi containers by name. */
    public Map<String, Model.Instance> instancesOf(Workspace ws) {
        return instancesOf(ws, incus.instances());
    }

    private Map<String, Model.Instance> instancesOf(Workspace ws, List<Model.Instance> all) {
        return all.stream().filter(i -> i.name().startsWith(host.prefix()) && ws.path().toString().equals(i.configValue(Labels.WORKSPACE)))
                .collect(Collectors.toMap(Model.Instance::name, i -> i));
    }

    /** A host path to mount that does not exist fails the plan, before anything is created (Incus would fail later, less clearly). */
    private static void requireMountSources(Config config) {
        for (coi.config.Mount m : config.mounts()) {
            if (!Files.exists(m.host())) {
                throw new UsageException("mount source " + m.host() + " does not exist (for " + m.container()
                        + "): create it, or fix the --mount flag or the [[mounts]] entry in your config");
            }
        }
    }

    private Protection protection(Workspace ws, Config config, boolean writableGitHooks, boolean create) {
        // --writable-git-hooks: git's own files only; the other protected paths stay read-only
        return Protection.of(ws.path(), config.security().protectedPaths().stream()
                .filter(rel -> !(writableGitHooks && rel.startsWith(".git/"))).toList(), create, views.available());
    }

    private HostFacts facts(Config config, List<Model.Instance> all, Path sshAgent, Protection protectedPaths) {
        requireMountSources(config);
        Set<String> names = all.stream().map(Model.Instance::name).collect(Collectors.toSet());
        boolean fenced = config.network().mode() != coi.config.NetworkMode.OPEN;
        return new HostFacts(host.uid(), host.gid(), incus.server().idmappedMounts(), config.incus().codeUid(), host.prefix(), names,
                fenced ? fencing.bridge() : null, fenced ? Fencing.taken(all) : Set.of(), sshAgent, protectedPaths);
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

    /**
     * Undo for an interrupted launch (Ctrl-C, an error): deletes the container being created and
     * a session directory made for it, unless the launch completed and disarmed it. Runs when the
     * block ends and from a shutdown hook on SIGINT/SIGTERM; for an ephemeral `coi run` the end
     * of the command is such an end, which is how its container goes away.
     */
    private final class Cleanup implements AutoCloseable {
        private final Path newSessionDir;
        private final Thread hook = new Thread(this::undo, "coi-launch-cleanup");
        private volatile String container;
        private volatile boolean fenced;
        private volatile boolean armed = true;

        Cleanup(Path newSessionDir) {
            this.newSessionDir = newSessionDir;
            Runtime.getRuntime().addShutdownHook(hook);
        }

        void container(String name, boolean withFence) {
            this.container = name;
            this.fenced = withFence;
        }

        /** Removes the container (and its rules) now, to try again. */
        void undoContainer() {
            if (container != null) {
                Retries.delete(incus, container);
                if (fenced) fencing.remove(container);
            }
            container = null;
        }

        void disarm() {
            armed = false;
        }

        /** The normal end of an ephemeral run: the container's removal continues after coi returns (see {@link Reaper}). */
        synchronized void handOff(Path workspace, boolean refillPool) {
            if (armed && container != null && Reaper.handOff(incus, host, container, workspace, refillPool)) armed = false;
        }

        private synchronized void undo() {
            if (!armed) return;
            armed = false;
            if (container != null) {
                try {
                    Retries.delete(incus, container);
                    Trace.mark("cleanup: deleted");
                    if (fenced) fencing.remove(container);
                    Trace.mark("cleanup: unfenced");
                    views.remove(ProtectedView.path(store.root(), container));
                } catch (IncusException e) {
                    System.err.println("coi: could not remove " + container + " (" + e.getMessage() + "): `coi clean` will");
                }
            }
            if (newSessionDir != null) {
                try {
                    SessionStore.deleteTree(newSessionDir);
                } catch (IOException ignored) {
                    // a leftover session folder is harmless; `coi clean --sessions` lists it
                }
            }
        }

        @Override
        public void close() {
            undo();
            Trace.mark("cleanup: done");
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is already running
            }
        }
    }
}
