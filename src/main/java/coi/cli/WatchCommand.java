package coi.cli;

import coi.config.ConfigFile;
import coi.config.ConfigLoader;
import coi.config.Overrides;
import coi.session.ContainerName;
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
        var config = ConfigLoader.load(ConfigFile.standard(context.env(), context.home(), Path.of("/nonexistent-workspace")),
                context.env(), context.home(), Overrides.NONE);
        return Watcher.watch(context.incus(config), new SessionStore(config.paths().sessionsDir()),
                context.env("COI_CONTAINER_PREFIX", ContainerName.DEFAULT_PREFIX));
    }
}
