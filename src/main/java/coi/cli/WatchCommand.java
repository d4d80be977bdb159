package coi.cli;

import coi.session.Watcher;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/**
 * Hidden: the background session watcher, started on demand by `coi shell`. The launcher starts it
 * at {@link #main}, without picocli: the model of every coi command is a few hundred classes that a
 * process resident all day would keep for nothing.
 */
@Command(name = "__watch", hidden = true)
public final class WatchCommand implements Callable<Integer> {
    private final Context context;

    WatchCommand(Context context) {
        this.context = context;
    }

    public static void main(String[] args) {
        int code;
        try (Context context = new Context(System.getenv())) {
            code = new WatchCommand(context).call();
        } catch (Exception e) {
            code = Errors.report(e, "coi __watch", new PrintWriter(System.err, true), Errors.debug(args));
        }
        System.exit(code);
    }

    @Override
    public Integer call() throws InterruptedException {
        // the watcher serves every workspace: no workspace layer of configuration applies
        Services services = context.services(context.config(Path.of("/nonexistent-workspace")));
        // the pool keeper's fills need the whole launch path: built only when a pool is requested
        return Watcher.watch(services.incus(), services.sessionStore(), context.containerPrefix(), services.fencing(),
                () -> services.sessions(new PrintWriter(System.out, true)).pool().keeper(this::poolConfig));
    }

    private coi.config.Config poolConfig(Path workspace, Map<String, String> coiEnv) {
        return poolConfig(context.env(), workspace, coiEnv);
    }

    /**
     * A warm pool's config as the coi that asked for it saw it: its workspace and its `COI_*`
     * variables, not the watcher's ({@code watcherEnv}). Loaded as by commands that start nothing:
     * an untrusted project file that would widen the sandbox is left out (a session with it is
     * refused, so it claims no member either).
     */
    public static coi.config.Config poolConfig(Map<String, String> watcherEnv, Path workspace, Map<String, String> coiEnv) {
        Map<String, String> env = new HashMap<>(watcherEnv);
        env.keySet().removeIf(k -> k.startsWith("COI_"));
        env.putAll(coiEnv);
        return new Context(env).keeperConfig(workspace);
    }
}
