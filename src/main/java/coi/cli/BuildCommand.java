package coi.cli;

import coi.UsageException;
import coi.container.ContainerService;
import coi.image.Builder;
import coi.image.CoiImage;
import coi.incus.IncusClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "build", description = "Build coi's images.", subcommands = {BuildCommand.Custom.class})
final class BuildCommand implements Callable<Integer> {
    private final Context context;

    @Option(names = "--force", description = "Rebuild even if the image exists.")
    boolean force;

    @Option(names = "--offline", description = "Build the Debian base locally with debootstrap even if an image server is reachable.")
    boolean offline;

    @Option(names = "--base-source", paramLabel = "auto|server|debootstrap", defaultValue = "auto",
            description = "Where the Debian 12 base comes from (default ${DEFAULT-VALUE}: the image server when its name resolves).")
    String baseSource;

    @Option(names = "--alias", paramLabel = "NAME", defaultValue = "coi", description = "Image alias to build (default ${DEFAULT-VALUE}).")
    String alias;

    @Spec
    CommandSpec spec;

    BuildCommand(Context context) {
        this.context = context;
    }

    @Override
    public Integer call() {
        CoiImage.BaseSource source = switch (offline ? "debootstrap" : baseSource) {
            case "auto" -> CoiImage.BaseSource.AUTO;
            case "server" -> CoiImage.BaseSource.SERVER;
            case "debootstrap" -> CoiImage.BaseSource.DEBOOTSTRAP;
            default -> throw new UsageException("--base-source must be auto, server or debootstrap, not '" + baseSource + "'");
        };
        var out = spec.commandLine().getOut();
        Path cache = Path.of(context.env("XDG_CACHE_HOME", context.home().resolve(".cache").toString())).resolve("coi");
        Builder.Result r = new CoiImage(context.services().incus(), out, logDir(context))
                .build(new CoiImage.Options(alias, force, source, cache, context.env("COI_MIRROR", CoiImage.hostMirror())));
        if (r != null) out.printf("built %s (%s) in %.0f s (log: %s)%n", r.alias(), r.versionedAlias(), r.took().toMillis() / 1000.0, r.log());
        out.flush();
        return 0;
    }

    static Path logDir(Context context) {
        return context.home().resolve(".coi/build-logs");
    }

    @Command(name = "custom", description = {"Run a script as root in a container from BASE and publish the result as NAME.",
            "NAME also gets a versioned alias NAME-YYYYMMDD-HHMMSS (see `coi image cleanup`)."})
    static final class Custom implements Callable<Integer> {
        private final Context context;
        @Parameters(paramLabel = "NAME") String name;
        @Option(names = "--script", required = true, paramLabel = "FILE", description = "Shell script run as root in the build container.") Path script;
        @Option(names = "--base", defaultValue = "coi", paramLabel = "IMAGE", description = "Base image (default ${DEFAULT-VALUE}).") String base;
        @Option(names = "--force", description = "Rebuild even if NAME exists.") boolean force;
        @Spec
        CommandSpec spec;

        Custom(Context c) { context = c; }

        public Integer call() throws IOException {
            ContainerService.checkName(name.replace('.', '-'));
            if (!Files.isRegularFile(script)) throw new UsageException("script " + script + " does not exist");
            var out = spec.commandLine().getOut();
            IncusClient incus = context.services().incus();
            if (!force && incus.aliasExists(name)) {
                out.println("image " + name + " exists: kept (use --force to rebuild)");
                out.flush();
                return 0;
            }
            Builder.Result r = new Builder(incus, out, logDir(context)).build(new Builder.Spec(name, base, null,
                    List.of(new Builder.Script(script.getFileName().toString(), Files.readAllBytes(script))),
                    Map.of("security.nesting", "true"), Map.of(), Map.of(), Map.of(), "coi custom image " + name + " from " + base));
            out.printf("built %s in %.0f s (log: %s)%n", r.alias(), r.took().toMillis() / 1000.0, r.log());
            out.flush();
            return 0;
        }
    }
}
