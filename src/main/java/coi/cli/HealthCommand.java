package coi.cli;

import coi.health.HealthCheck;
import coi.setup.SetupOptions;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "health", description = {"Check that this machine can run coi sessions.",
        "Exit code 0 healthy, 1 degraded (works, with warnings), 2 unhealthy."})
final class HealthCommand implements Callable<Integer> {
    private final Context context;

    @Option(names = "--format", description = "text or json (default: ${DEFAULT-VALUE})", defaultValue = "text")
    String format;

    @Option(names = {"-v", "--verbose"}, description = "Also show the checks that passed.")
    boolean verbose;

    @Option(names = "--fix", description = "First repair what `coi setup` would (as root), then check.")
    boolean fix;

    @Spec
    CommandSpec spec;

    HealthCommand(Context context) {
        this.context = context;
    }

    @Override
    public Integer call() {
        Output output = Output.parse(format);
        Services services = context.services();
        if (fix) {
            SetupCommand.setup(services, SetupOptions.defaults(services.config().incus().group(), SetupCommand.invokingUser(context), SetupCommand.invokingIds(context)))
                    .apply(spec.commandLine().getErr());
        }
        HealthCheck.Report report = services.health().run();
        var out = spec.commandLine().getOut();
        if (output == Output.JSON) {
            List<Object> checks = report.checks().stream().map(c -> (Object) CoiCommand.ordered(
                    "name", c.name(), "status", c.status().name().toLowerCase(), "message", c.message())).toList();
            Output.json(out, CoiCommand.ordered("status", report.overall(), "exit_code", report.exitCode(), "checks", checks));
        } else {
            for (HealthCheck.Check c : report.checks()) {
                if (verbose || c.status() != HealthCheck.Status.OK || c.name().equals("incus")) {
                    out.printf("%-4s %-16s %s%n", c.status() == HealthCheck.Status.OK ? "ok" : c.status().name().toLowerCase(), c.name(), c.message());
                }
            }
            out.println(report.overall());
            out.flush();
        }
        return report.exitCode();
    }
}
