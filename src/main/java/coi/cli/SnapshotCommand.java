package coi.cli;

import coi.UsageException;
import coi.container.ContainerService;
import coi.incus.Model;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "snapshot", description = "Snapshots of a container's filesystem (e.g. before letting an agent loose).",
        subcommands = {SnapshotCommand.Create.class, SnapshotCommand.ListSnapshots.class, SnapshotCommand.Restore.class,
                SnapshotCommand.Delete.class})
final class SnapshotCommand implements Runnable {
    @Override
    public void run() {
        throw new UsageException("missing subcommand: create, list, restore or delete");
    }

    abstract static class Base implements Callable<Integer> {
        final Context context;
        @Spec
        CommandSpec spec;
        @Parameters(index = "0", paramLabel = "CONTAINER") String container;

        Base(Context context) {
            this.context = context;
        }

        ContainerService service() {
            return context.services().containers();
        }

        void say(String line) {
            spec.commandLine().getOut().println(line);
            spec.commandLine().getOut().flush();
        }
    }

    @Command(name = "create", description = "Snapshot CONTAINER as SNAPSHOT (default: snap-YYYYMMDD-HHMMSS).")
    static final class Create extends Base {
        @Parameters(index = "1", arity = "0..1", paramLabel = "SNAPSHOT") String name;

        Create(Context c) { super(c); }

        public Integer call() {
            String snapshot = name != null ? name : "snap-" + LocalDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
            service().snapshot(container, snapshot);
            say("created snapshot " + snapshot + " of " + container);
            return 0;
        }
    }

    @Command(name = "list", description = "List CONTAINER's snapshots.")
    static final class ListSnapshots extends Base {
        @Option(names = "--format", defaultValue = "text", description = "text or json") String format;

        ListSnapshots(Context c) { super(c); }

        public Integer call() {
            Output output = Output.parse(format);
            List<Model.Snapshot> snapshots = service().snapshots(container);
            if (output == Output.JSON) Output.json(spec.commandLine().getOut(), snapshots);
            else if (snapshots.isEmpty()) say("no snapshots of " + container);
            else {
                Table table = new Table("SNAPSHOT", "CREATED");
                snapshots.forEach(s -> table.row(s.name(), ListView.seconds(s.createdAt())));
                table.print(spec.commandLine().getOut());
                spec.commandLine().getOut().flush();
            }
            return 0;
        }
    }

    @Command(name = "restore", description = "Put CONTAINER's filesystem back to SNAPSHOT.")
    static final class Restore extends Base {
        @Parameters(index = "1", paramLabel = "SNAPSHOT") String name;

        Restore(Context c) { super(c); }

        public Integer call() {
            service().restore(container, name);
            say("restored " + container + " to " + name);
            return 0;
        }
    }

    @Command(name = "delete", description = "Delete SNAPSHOT of CONTAINER.")
    static final class Delete extends Base {
        @Parameters(index = "1", paramLabel = "SNAPSHOT") String name;

        Delete(Context c) { super(c); }

        public Integer call() {
            service().deleteSnapshot(container, name);
            say("deleted snapshot " + name + " of " + container);
            return 0;
        }
    }
}
