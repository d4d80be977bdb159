package coi.cli;

import coi.session.SessionStore;
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
        var config = context.config(Path.of("/nonexistent-workspace"));
        var incus = context.incus(config);
        return Watcher.watch(incus, new SessionStore(config.paths().sessionsDir()), context.containerPrefix(),
                coi.session.Fencing.onHost(incus, Context.ids()[0]));
    }
}
