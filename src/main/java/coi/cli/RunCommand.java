package coi.cli;

import coi.config.Config;
import coi.incus.Model;
import coi.session.ContainerName;
import coi.session.Prefetch;
import coi.session.Sessions;
import coi.session.Workspace;
import java.io.ByteArrayOutputStream;
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
        "Output streams live (with --capture or --format json: collected and printed when it ends).",
        "The container is removed afterwards unless --persistent."})
final class RunCommand implements Callable<Integer>, SessionCommand {
    private final Context context;

    @Mixin
    SessionOptions options;

    @Parameters(arity = "1..*", paramLabel = "CMD")
    List<String> command;

    @Option(names = "--dry-run", description = "Print the plan and do nothing.")
    boolean dryRun;

    @Option(names = "--format", description = "text or json: the plan with --dry-run; else json collects the output and prints"
            + " stdout, stderr and exit_code (then exits 0), as the original's.", defaultValue = "text")
    String format;

    @Option(names = "--capture", description = "Collect the command's output and print it when it ends (stdout, then stderr).")
    boolean capture;

    @Option(names = "--timeout", paramLabel = "SECONDS", description = "Stop the container after this many seconds: the original's name"
            + " of --limit-duration Ns (no default here; the original's is 120).")
    Integer timeout;

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
        if (timeout != null) {
            if (timeout <= 0) throw new coi.UsageException("--timeout must be a number of seconds above 0, not " + timeout);
            if (options.limitDuration != null) throw new coi.UsageException("--timeout is another name of --limit-duration: give one of them");
            options.limitDuration = timeout + "s";
        }
        // the first request's class initialisation, and the plan's requests, go on beside the config's reading
        coi.incus.Warmup.start(false);
        try (Prefetch prefetch = context.prefetch(() -> options.overrides(context))) {
            return call(out, prefetch);
        }
    }

    private int call(java.io.PrintWriter out, Prefetch prefetch) {
        Output output = Output.parse(format);
        // the original's `run --format json` is its captured output as JSON
        boolean json = output == Output.JSON && !dryRun;
        if (options.slot != null) ContainerName.checkSlot(options.slot);
        Workspace ws = options.workspace(context);
        Config config = options.config(context, ws);
        coi.Trace.mark("run: config read");
        // with JSON on stdout, what the launch says goes to stderr
        Sessions sessions = context.services(config, prefetch).sessions(json ? new java.io.PrintWriter(System.err, true) : out);
        coi.Trace.mark("run: services");
        var request = new Sessions.RunRequest(ws, config, options.slot, command, dryRun, options.sshAgentSocket(context),
                options.writableGitHooks);
        if (dryRun) {
            PlanPrinter.print(out, sessions.planRun(request), output, command);
            return 0;
        }
        if (!capture && !json) {
            return sessions.run(request, ContainerCommand.Stdin.forwardable(), new FileOutputStream(FileDescriptor.out),
                    new FileOutputStream(FileDescriptor.err));
        }
        ByteArrayOutputStream stdout = new ByteArrayOutputStream(), stderr = new ByteArrayOutputStream();
        int code = sessions.run(request, ContainerCommand.Stdin.forwardable(), stdout, stderr);
        return Output.captured(out, new Model.ExecResult(code, stdout.toByteArray(), stderr.toByteArray()), json);
    }
}
