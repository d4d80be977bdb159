package coi.cli;

import coi.UsageException;
import coi.config.Config;
import coi.session.ContainerName;
import coi.session.Prefetch;
import coi.session.Sessions;
import coi.session.Workspace;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "shell", description = {
        "Start the AI tool in a fresh container for this workspace and attach to it.",
        "The tool runs in tmux as user `code` in /workspace; when it exits you land in bash.",
        "Ctrl-b d detaches (the container keeps running; `coi attach` returns). `sudo poweroff` inside",
        "ends the session: it is saved, and an ephemeral container is removed.",
        "--debug after `shell` starts bash instead of the tool, as the original's (and shows stack traces)."})
final class ShellCommand implements Callable<Integer>, SessionCommand {
    private final Context context;

    @Mixin
    SessionOptions options;

    @Option(names = "--resume", arity = "0..1", fallbackValue = "", paramLabel = "ID",
            description = "Resume a saved session: the newest of this workspace (no ID, or auto), or the one with this id.")
    String resume;

    @Option(names = "--continue", arity = "0..1", fallbackValue = "", paramLabel = "ID", description = "Same as --resume.")
    String continueFrom;

    @Option(names = {"--detach", "--background"}, description = "Start the session without attaching the terminal (--background: the original's name).")
    boolean detach;

    @Option(names = "--tmux", arity = "0..1", fallbackValue = "true", paramLabel = "BOOL",
            description = "false: the tool runs on this terminal without tmux (the original's flag): no detaching or `coi attach`;"
                    + " the session ends when the tool exits (its container stopped, an ephemeral one removed).")
    boolean tmux = true;

    @Option(names = "--dry-run", description = "Print the plan (container, config, devices, command) and do nothing.")
    boolean dryRun;

    @Option(names = "--format", description = "With --dry-run: text or json.", defaultValue = "text")
    String format;

    @Spec
    CommandSpec spec;

    ShellCommand(Context context) {
        this.context = context;
    }

    /**
     * `coi shell --debug`: the original's "bash instead of the AI tool". Only when given after
     * `shell`: before it (`coi --debug`) it is every command's stack-trace flag alone.
     */
    boolean bashInsteadOfTool() {
        // the quick path (QuickSessions) starts a shell given no flags, without picocli
        if (spec == null) return false;
        var parsed = spec.commandLine().getParseResult();
        return parsed != null && parsed.hasMatchedOption("--debug");
    }

    /** What --resume or --continue asked for: null for none, "" for the newest (the original's "auto" too), else an id. */
    private String resumeFrom() {
        String from = resume != null ? resume : continueFrom;
        return "auto".equals(from) ? "" : from;
    }

    @Override
    public Integer call() {
        return call(spec.commandLine().getOut());
    }

    @Override
    public int call(java.io.PrintWriter out) {
        coi.Trace.mark("shell: parsed");
        // the first request's class initialisation, and the plan's requests, go on beside the config's reading
        coi.incus.Warmup.start(!detach && !dryRun);
        try (Prefetch prefetch = context.prefetch(() -> options.overrides(context))) {
            return call(out, prefetch);
        }
    }

    private int call(java.io.PrintWriter out, Prefetch prefetch) {
        Output output = Output.ofPlan(format, dryRun);
        if (continueFrom != null && resume != null) throw new UsageException("--continue is another name of --resume: give one of them");
        if (options.slot != null) ContainerName.checkSlot(options.slot);
        if (!tmux && detach) throw new UsageException("--tmux=false runs the tool on this terminal, so it cannot start detached: give one of them");
        Workspace ws = options.workspace(context);
        Config config = options.config(context, ws);
        coi.Trace.mark("shell: config read");
        var request = new Sessions.ShellRequest(ws, config, options.slot, resumeFrom(), !detach, dryRun,
                options.sshAgentSocket(context), options.writableGitHooks, tmux, bashInsteadOfTool());
        Sessions sessions = context.services(config, prefetch).sessions(out);
        coi.Trace.mark("shell: services");
        if (dryRun) {
            PlanPrinter.print(out, sessions.planShell(request), output, null);
            return 0;
        }
        if (config.pool().size() <= 0) return sessions.shell(request).exitCode();
        // the background process, which the shell starts once its session runs, refills what the claim took
        RefillRequest refill = RefillRequest.start(sessions, ws, context.env());
        try {
            return sessions.shell(request).exitCode();
        } finally {
            refill.await();
        }
    }
}
