package coi.cli;

import coi.config.Config;
import coi.session.Sessions;
import coi.session.Workspace;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** Hidden: the detached helper that finishes an ephemeral `coi run` after coi returned (see session.Reaper). */
@Command(name = "__reap", hidden = true,
        description = "Wait for an ended `coi run` container to be gone, remove its network rules; with --refill, refill the warm pool.")
final class ReapCommand implements Callable<Integer> {
    /** The run's coi holds its workspace's placeholders until it exits, which it does as this helper starts. */
    private static final java.time.Duration PLACEHOLDER_PATIENCE = java.time.Duration.ofSeconds(10);

    private final Context context;

    @Parameters(paramLabel = "CONTAINER", description = "The container whose stop coi asked for.")
    String container;

    @Option(names = "--refill", description = "Then bring the warm pool of this folder's config back to its size.")
    boolean refill;

    @Spec
    CommandSpec spec;

    ReapCommand(Context context) {
        this.context = context;
    }

    @Override
    public Integer call() {
        Workspace ws = Workspace.of(context.cwd());
        Config config = context.config(ws.path());
        Sessions sessions = context.services(config).sessions(spec.commandLine().getOut());
        sessions.reap(container);
        if (refill) {
            sessions.pool().fill(ws, config);
            sessions.pool().keepFilled(ws, context.env());
        }
        sessions.sweepPlaceholders(ws.path(), PLACEHOLDER_PATIENCE);
        sessions.checkGit(ws.path());
        return 0;
    }
}
