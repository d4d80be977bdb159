package coi.train;

import coi.QuickAnswers;
import coi.cli.Context;
import coi.cli.QuickList;
import coi.cli.QuickQueries;
import coi.cli.QuickSessions;
import coi.config.Config;
import coi.config.Overrides;
import coi.incus.IncusClient;
import coi.pool.Fit;
import coi.session.Rehearsal;
import coi.session.SessionPlan;
import coi.session.Sessions;
import coi.session.Workspace;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The full training's launches: a launch changes the host (nft rules, mounts, helper processes),
 * which a build must not, so these go through {@link Rehearsal}, with the fence in memory
 * ({@link MemoryNft}), no protected view and no helper process, against the {@link StandIn}.
 * Its own class so that the quick training loads none of it.
 */
final class LaunchRehearsal {
    /** `$COI_CONFIG` of the rehearsed runs: a session the warm pool can serve (no protected view), as bench/run's. */
    static final String POOL_CONFIG = """
            [security]
            protected_paths = []

            [pool]
            size = 1
            """;

    /**
     * Classes of a user's `coi run` that a rehearsal cannot run here, loaded so that the caches hold
     * them: stdin's forwarding (a build's stdin is not a user's to forward) and the start of the helper
     * that ends a run (a rehearsal starts no process). A class the cache lacks is read from the jar,
     * which opens the jar and verifies the class on the run's critical path (ContainerCliIT and PoolIT
     * look for such reads).
     */
    static final String[] NOT_REHEARSED = {"coi.cli.ContainerCommand$Stdin", "coi.Detached"};

    private LaunchRehearsal() {}

    /**
     * `coi run -- true` and a detached `coi shell` from the warm pool, then cold (the pool's two
     * members were claimed), as {@link coi.cli} runs them after planning; returns what did not go as trained.
     */
    static List<String> rehearse(Map<String, String> env, Path workspace, Path home, StandIn standIn) {
        List<String> problems = new ArrayList<>();
        // every command enters through coi.Main, which first asks for a quick answer: `coi run -- true` and `coi shell`
        // are started without picocli (QuickSessions), the launches below are theirs
        String[] args = {"run", "--", "true"};
        try {
            Class.forName("coi.Main");
            for (String name : NOT_REHEARSED) Class.forName(name);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
        if (QuickAnswers.answer(args, new PrintStream(OutputStream.nullOutputStream())) >= 0 || QuickQueries.answer(args) >= 0
                || QuickList.answer(args) >= 0) {
            problems.add("coi.Main answered `coi run -- true` without running it");
        }
        if (!QuickSessions.asks(args) || !QuickSessions.asks(new String[] {"shell"})) {
            problems.add("coi.Main starts `coi run -- true` or `coi shell` through picocli, not QuickSessions");
        }
        try (Context context = new Context(env)) {
            Config config = context.config(workspace, Overrides.NONE);
            IncusClient incus = context.services(config).incus();
            StringWriter output = new StringWriter();
            Sessions sessions = Rehearsal.sessions(incus, config.paths().sessionsDir(), home, new MemoryNft(), new PrintWriter(output));
            var run = new Sessions.RunRequest(new Workspace(workspace), config, null, List.of("true"), false, null, false);
            // the member was filled for this config: its fit is the plan's
            SessionPlan plan = sessions.planRun(run);
            standIn.label("user.coi.pool_fit", Fit.of(plan.image(), incus.imageByAlias(plan.image()).fingerprint(), plan.config(),
                    plan.devices()).hash());
            // the stand-in's two members go to the first run and the first shell; the second of each launches cold
            var shell = new Sessions.ShellRequest(new Workspace(workspace), config, null, null, false, false, null, false);
            for (String how : new String[] {"from the pool", "cold"}) {
                int code = sessions.run(run, null, OutputStream.nullOutputStream(), OutputStream.nullOutputStream());
                if (code != 0) problems.add("`coi run -- true` " + how + " ended with " + code + ": " + output.toString().strip());
                // `coi shell --detach`: all of a shell's launch (the tool in tmux) but the terminal, which is `incus exec -t`;
                // a pooled shell asks for its refill first, as coi.cli.ShellCommand does
                sessions.pool().requestRefills(new Workspace(workspace), env);
                sessions.shell(shell);
            }
        } catch (RuntimeException e) {
            problems.add("a rehearsed launch failed: " + e);
        }
        return problems;
    }
}
