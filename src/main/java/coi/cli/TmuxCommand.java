package coi.cli;

import coi.UsageException;
import coi.session.TmuxControl;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "tmux", description = "Automate running sessions through their tmux.",
        subcommands = {TmuxCommand.ListPanes.class, TmuxCommand.Send.class, TmuxCommand.Capture.class})
final class TmuxCommand implements Runnable {
    @Override
    public void run() {
        throw new UsageException("missing subcommand: list, send or capture");
    }

    abstract static class Base implements Callable<Integer> {
        final Context context;
        @Spec
        CommandSpec spec;

        Base(Context context) {
            this.context = context;
        }

        TmuxControl control() {
            return context.services().tmux();
        }
    }

    @Command(name = "list", description = "List the tmux sessions of running coi containers.")
    static final class ListPanes extends Base {
        @Option(names = "--format", defaultValue = "text", description = "text or json") String format;

        ListPanes(Context c) { super(c); }

        public Integer call() {
            Output output = Output.parse(format);
            var err = spec.commandLine().getErr();
            List<TmuxControl.Pane> panes = control().list(warning -> {
                err.println("coi: warning: " + coi.Printable.line(warning));
                err.flush();
            });
            var out = spec.commandLine().getOut();
            if (output == Output.JSON) Output.json(out, panes);
            else {
                if (panes.isEmpty()) out.println("no tmux sessions");
                else {
                    Table table = new Table("CONTAINER", "SESSION", "CLIENT");
                    panes.forEach(p -> table.row(coi.Printable.line(p.container()), coi.Printable.line(p.session()), p.attached() ? "attached" : "detached"));
                    table.print(out);
                }
                out.flush();
            }
            return 0;
        }
    }

    @Command(name = "send", description = "Type TEXT and Enter into a container's session.")
    static final class Send extends Base {
        @Parameters(index = "0", paramLabel = "CONTAINER") String container;
        @Parameters(index = "1", paramLabel = "TEXT") String text;

        Send(Context c) { super(c); }

        public Integer call() {
            control().send(container, text);
            return 0;
        }
    }

    @Command(name = "capture", description = "Print the visible pane of a container's session.")
    static final class Capture extends Base {
        @Parameters(paramLabel = "CONTAINER") String container;

        Capture(Context c) { super(c); }

        public Integer call() {
            var out = spec.commandLine().getOut();
            // the pane's text as tmux in the container gives it, which the agent controls: no control sequence reaches this terminal
            out.print(coi.Printable.of(control().capture(container)));
            out.flush();
            return 0;
        }
    }
}
