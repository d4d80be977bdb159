package coi.cli;

import coi.Version;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** `coi version`: the original's spelling of `coi --version` (answered by coi.QuickAnswers before picocli when alone). */
@Command(name = "version", description = "Print coi's version (the same as `coi --version`).")
final class VersionCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().getOut().println("coi " + Version.get());
        spec.commandLine().getOut().flush();
        return 0;
    }
}
