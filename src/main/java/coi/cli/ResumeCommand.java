package coi.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "resume", description = "Unfreeze a paused (frozen) container.")
final class ResumeCommand implements Callable<Integer> {
    private final Context context;
    @Parameters(paramLabel = "CONTAINER") String container;
    @Spec
    CommandSpec spec;

    ResumeCommand(Context context) {
        this.context = context;
    }

    @Override
    public Integer call() {
        boolean thawed = context.services().containers().unfreeze(container);
        spec.commandLine().getOut().println(thawed ? "resumed " + container : container + " is not frozen: nothing to resume");
        spec.commandLine().getOut().flush();
        return 0;
    }
}
