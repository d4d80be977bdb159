package coi.cli;

import coi.Version;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** `coi version`: the original's spelling of `coi --version` (answered by coi.QuickAnswers before picocli when alone). */
@Command(name = "version", description = "Print coi's version, as the original does: `code-on-incus (coi) vX` (`coi --version` prints `coi version X`).")
final class VersionCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().getOut().println(Version.banner());
        spec.commandLine().getOut().flush();
        return 0;
    }
}
