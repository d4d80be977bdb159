package coi.cli;

import coi.UsageException;
import coi.config.ConfigException;
import coi.config.ConfigFile;
import coi.config.ConfigLoader;
import coi.config.Overrides;
import coi.config.TrustStore;
import coi.config.WorkspacePath;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** `coi trust` and `coi untrust`: the user vouches for (or withdraws from) one exact content of a project's `.coi.toml`. */
final class TrustCommand {
    private TrustCommand() {}

    /** The project file named by PATH: a workspace folder, or its `.coi.toml` itself. */
    static Path projectFile(Context context, Path given) {
        Path path = (given == null ? context.cwd() : given).toAbsolutePath().normalize();
        if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) return path.resolve(ConfigFile.PROJECT_FILE);
        if (!path.getFileName().toString().equals(ConfigFile.PROJECT_FILE)) {
            throw new UsageException(path + " is neither a workspace folder nor a " + ConfigFile.PROJECT_FILE + " file");
        }
        return path;
    }

    @Command(name = "trust", description = {
            "Trust a workspace's .coi.toml: show what it would grant, then record its sha256 in ~/.coi/trust.toml.",
            "Until then coi refuses project config that widens the sandbox (mounts, storage, a wider network,",
            "credential-redirecting environment, looser limits, writable protected paths). A changed file is",
            "untrusted again. COI_TRUST_ALL=1 trusts every project config."})
    static final class Trust implements Callable<Integer> {
        private final Context context;
        @Parameters(arity = "0..1", paramLabel = "PATH", description = "Workspace folder or its .coi.toml (default: the current folder).")
        Path path;
        @Option(names = "--list", description = "List the trusted files and whether they changed since.") boolean list;
        @Spec CommandSpec spec;

        Trust(Context context) {
            this.context = context;
        }

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            TrustStore store = TrustStore.of(context.home());
            if (list) {
                if (path != null) throw new UsageException("--list takes no PATH");
                list(store, out);
                return 0;
            }
            Path file = projectFile(context, path);
            Optional<ConfigLoader.ProjectReview> review = ConfigLoader.review(ConfigFile.standard(context.env(), context.home(),
                    file.getParent()), context.env(), context.home(), Overrides.NONE);
            if (review.isEmpty()) throw new UsageException("there is no " + file + " to trust");
            ConfigLoader.ProjectReview r = review.get();
            out.println(r.file() + " (sha256 " + r.sha256() + ")");
            out.println(r.widening().isEmpty() ? "grants nothing beyond your own config: it only narrows or leaves the sandbox as it is"
                    : "would grant: " + String.join(", ", r.widening()));
            store.trust(r.file(), r.sha256());
            out.println("trusted this content (recorded in " + store.file() + "); any change makes it untrusted again");
            out.flush();
            return 0;
        }

        private static void list(TrustStore store, PrintWriter out) {
            var entries = store.entries();
            if (entries.isEmpty()) out.println("no trusted project config (" + store.file() + ")");
            for (TrustStore.Entry e : entries) {
                Path file = Path.of(e.path());
                String now;
                try {
                    now = WorkspacePath.read(file.getParent(), file.getFileName().toString())
                            .map(bytes -> TrustStore.sha256(bytes).equals(e.sha256()) ? "trusted" : "changed since: untrusted")
                            .orElse("missing");
                } catch (ConfigException linked) {
                    now = "no plain file now: untrusted"; // a link, a FIFO, a folder, too large
                }
                out.printf("%-24s %s  %s  %s%n", now, e.sha256().substring(0, 12), e.trustedAt(), e.path());
            }
            out.flush();
        }
    }

    @Command(name = "untrust",
            description = "Withdraw trust from a workspace's .coi.toml (see `coi trust`).")
    static final class Untrust implements Callable<Integer> {
        private final Context context;
        @Parameters(arity = "0..1", paramLabel = "PATH", description = "Workspace folder or its .coi.toml (default: the current folder).")
        Path path;
        @Spec CommandSpec spec;

        Untrust(Context context) {
            this.context = context;
        }

        @Override
        public Integer call() {
            Path file = projectFile(context, path);
            boolean was = TrustStore.of(context.home()).untrust(file);
            spec.commandLine().getOut().println(was ? "no longer trusted: " + file : file + " was not trusted");
            spec.commandLine().getOut().flush();
            return 0;
        }
    }
}
