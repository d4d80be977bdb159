package coi.cli;

import coi.session.MonitorView;
import coi.monitor.Snapshot;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "monitor",
        description = "One look at a container as the security monitor sees it from the host: processes, connections, io rates, current threats.")
final class MonitorCommand implements Callable<Integer> {
    private final Context context;
    @Spec CommandSpec spec;
    @Parameters(paramLabel = "NAME", description = "The container.") String name;
    @Option(names = "--format", defaultValue = "text", description = "text or json") String format;

    MonitorCommand(Context context) {
        this.context = context;
    }

    @Override
    public Integer call() throws InterruptedException {
        Output output = Output.parse(format);
        Services services = context.services();
        MonitorView.Report r = MonitorView.look(services.incus(), name, services.config().monitoring());
        PrintWriter out = spec.commandLine().getOut();
        if (output == Output.JSON) {
            Output.json(out, r);
            return 0;
        }
        out.printf("%s  %s  %s%n", r.container(), r.status(), r.monitored() ? "monitored" : "not monitored (threats below are what --monitor would see)");
        out.printf("io: read %d KiB/s, write %d KiB/s%n%n", r.readBytesPerSecond() / 1024, r.writeBytesPerSecond() / 1024);
        out.printf("%-7s %-7s %-5s %s%n", "PID", "PPID", "UID", "COMMAND");
        for (Snapshot.Proc p : r.snapshot().processes()) {
            // what the agent named its processes: one printable line each
            out.printf("%-7d %-7d %-5d %s%n", p.pid(), p.ppid(), p.uid(),
                    coi.Printable.line(p.cmdline().isEmpty() ? "[" + p.comm() + "]" : String.join(" ", p.cmdline())));
        }
        out.printf("%n%-5s %-28s %-28s %s%n", "PROTO", "LOCAL", "REMOTE", "STATE");
        for (Snapshot.Conn c : r.snapshot().connections()) {
            out.printf("%-5s %-28s %-28s %s%n", c.protocol(), c.local() + ":" + c.localPort(), c.remote() + ":" + c.remotePort(), c.state());
        }
        out.println();
        if (r.threats().isEmpty()) out.println("no threats");
        r.threats().forEach(t -> out.printf("%-8s %-16s %s%n", t.level().label(), t.category(), coi.Printable.line(t.title())));
        out.flush();
        return 0;
    }
}
