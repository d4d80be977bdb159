package coi.cli;

import coi.session.Watcher;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** Hidden: the background session watcher, started on demand by `coi shell`. */
@Command(name = "__watch", hidden = true)
final class WatchCommand implements Callable<Integer> {
    private final Context context;

    WatchCommand(Context context) {
        this.context = context;
    }

    @Override
    public Integer call() throws InterruptedException {
        // the watcher serves every workspace: no workspace layer of configuration applies
        Services services = context.services(context.config(Path.of("/nonexistent-workspace")));
        var keeper = services.sessions(new PrintWriter(System.out, true)).pool().keeper((workspace, coiEnv) -> poolConfig(workspace, coiEnv));
        return Watcher.watch(services.incus(), services.sessionStore(), context.containerPrefix(), services.fencing(), keeper);
    }

    /** A warm pool's config as the coi that asked for it saw it: its workspace and its `COI_*` variables, not the watcher's. */
    private coi.config.Config poolConfig(Path workspace, Map<String, String> coiEnv) {
        Map<String, String> env = new HashMap<>(context.env());
        env.keySet().removeIf(k -> k.startsWith("COI_"));
        env.putAll(coiEnv);
        return new Context(env).config(workspace);
    }
}
