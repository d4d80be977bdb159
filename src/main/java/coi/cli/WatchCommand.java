package coi.cli;

import coi.session.Watcher;
import java.nio.file.Path;
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
        return Watcher.watch(services.incus(), services.sessionStore(), context.containerPrefix(), services.fencing());
    }
}
