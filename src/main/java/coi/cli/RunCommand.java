package coi.cli;

import coi.config.Config;
import coi.session.ContainerName;
import coi.session.Prefetch;
import coi.session.Sessions;
import coi.session.Workspace;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "run", description = {
        "Run one command in a fresh container as `code` in /workspace and return its exit code.",
        "`coi run \"CMD\"` runs CMD with bash -c (pipes, &&, multi-line scripts); `coi run -- CMD ARGS...` runs it as is.",
        "Output streams live. The container is removed afterwards unless --persistent."})
final class RunCommand implements Callable<Integer>, SessionCommand {
    private final Context context;

    @Mixin
    SessionOptions options;

    @Parameters(arity = "1..*", paramLabel = "CMD")
    List<String> command;

    @Option(names = "--dry-run", description = "Print the plan and do nothing.")
    boolean dryRun;

    @Option(names = "--format", description = "With --dry-run: text or json.", defaultValue = "text")
    String format;

    @Spec
    CommandSpec spec;

    RunCommand(Context context) {
        this.context = context;
    }

    @Override
    public Integer call() {
        return call(spec.commandLine().getOut());
    }

    @Override
    public int call(java.io.PrintWriter out) {
        coi.Trace.mark("run: parsed");
        // the first request's class initialisation, and the plan's requests, go on beside the config's reading
        coi.incus.Warmup.start(false);
        try (Prefetch prefetch = context.prefetch(() -> options.overrides(context))) {
            return call(out, prefetch);
        }
    }

    private int call(java.io.PrintWriter out, Prefetch prefetch) {
        Output output = Output.ofPlan(format, dryRun, "run");
        if (options.slot != null) ContainerName.checkSlot(options.slot);
        Workspace ws = options.workspace(context);
        Config config = options.config(context, ws);
        coi.Trace.mark("run: config read");
        Sessions sessions = context.services(config, prefetch).sessions(out);
        coi.Trace.mark("run: services");
        var request = new Sessions.RunRequest(ws, config, options.slot, command, dryRun, options.sshAgentSocket(context),
                options.writableGitHooks);
        if (dryRun) {
            PlanPrinter.print(out, sessions.planRun(request), output, command);
            return 0;
        }
        return sessions.run(request, ContainerCommand.Stdin.forwardable(), new FileOutputStream(FileDescriptor.out),
                new FileOutputStream(FileDescriptor.err));
    }
}
