package coi.cli;

import coi.UsageException;
import coi.image.Images;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "image", description = "Manage coi's images.",
        subcommands = {ImageCommand.ListImages.class, ImageCommand.Publish.class, ImageCommand.Delete.class,
                ImageCommand.Exists.class, ImageCommand.Cleanup.class})
final class ImageCommand implements Runnable {
    @Override
    public void run() {
        throw new UsageException("missing subcommand: list, publish, delete, exists or cleanup");
    }

    abstract static class Base implements Callable<Integer> {
        final Context context;
        @Spec
        CommandSpec spec;

        Base(Context context) {
            this.context = context;
        }

        Images images() {
            return context.services().images();
        }

        PrintWriter out() {
            return spec.commandLine().getOut();
        }
    }

    @Command(name = "list", description = "List images by alias (coi's by default).")
    static class ListImages extends Base {
        @Option(names = {"-a", "--all"}, description = "Every alias, not just coi's.") boolean all;
        @Option(names = "--prefix", paramLabel = "P", description = "Aliases starting with P.") String prefix;
        @Option(names = "--format", defaultValue = "text", description = "text or json") String format;

        ListImages(Context c) { super(c); }

        public Integer call() {
            Output output = Output.parse(format);
            List<Images.Row> rows = images().list(all, prefix);
            if (output == Output.JSON) {
                Output.json(out(), originalShape(rows));
                return 0;
            }
            if (rows.isEmpty()) out().println("no images" + (all ? "" : " (coi's; --all shows every alias)"));
            else {
                Table table = new Table("ALIAS", "FINGERPRINT", "SIZE", "CREATED", "DESCRIPTION");
                for (Images.Row r : rows) {
                    table.row(r.alias(), r.fingerprint().substring(0, 12), String.format("%.1fM", r.size() / 1048576.0), ListView.seconds(r.created()),
                            r.description());
                }
                table.print(out());
            }
            out().flush();
            return 0;
        }
    }

    /**
     * The original's `image list --format json`: one object per image with its full fingerprint,
     * all its aliases, size and created_at; coi adds the alias that matched and the description.
     */
    static List<Map<String, Object>> originalShape(List<Images.Row> rows) {
        Map<String, Map<String, Object>> byImage = new LinkedHashMap<>();
        for (Images.Row r : rows) {
            byImage.computeIfAbsent(r.fingerprint(), f -> {
                List<String> aliases = new ArrayList<>(r.otherAliases());
                if (!r.alias().isEmpty()) aliases.add(r.alias());
                return CoiCommand.ordered("fingerprint", f, "aliases", aliases.stream().sorted().toList(), "size", r.size(),
                        "created_at", r.created(), "alias", r.alias(), "description", r.description());
            });
        }
        return List.copyOf(byImage.values());
    }

    @Command(name = "publish", description = "Publish a stopped container as an image.")
    static final class Publish extends Base {
        @Parameters(index = "0", paramLabel = "CONTAINER") String container;
        @Parameters(index = "1", paramLabel = "ALIAS") String alias;
        @Option(names = "--description", paramLabel = "D") String description;

        Publish(Context c) { super(c); }

        public Integer call() {
            String fp = images().publish(container, alias, description);
            out().println("published " + alias + " (" + fp.substring(0, 12) + ")");
            out().flush();
            return 0;
        }
    }

    @Command(name = "delete", description = "Delete an image alias (and the image when no other alias names it).")
    static final class Delete extends Base {
        @Parameters(paramLabel = "ALIAS") String alias;

        Delete(Context c) { super(c); }

        public Integer call() {
            images().delete(alias);
            return 0;
        }
    }

    @Command(name = "exists", description = "Exit 0 when the alias exists, 1 when not.")
    static final class Exists extends Base {
        @Parameters(paramLabel = "ALIAS") String alias;

        Exists(Context c) { super(c); }

        public Integer call() {
            return images().exists(alias) ? 0 : 1;
        }
    }

    @Command(name = "cleanup", description = "Keep the newest N versioned aliases PREFIX-YYYYMMDD-HHMMSS; never the plain PREFIX.")
    static final class Cleanup extends Base {
        @Parameters(paramLabel = "PREFIX") String prefix;
        @Option(names = "--keep", required = true, paramLabel = "N", description = "How many of the newest versions to keep.") int keep;
        @picocli.CommandLine.Mixin Quiet quiet;

        Cleanup(Context c) { super(c); }

        public Integer call() {
            Images.Cleanup done = images().cleanup(prefix, keep);
            // the original's report, which scripts grep: "Cleanup complete:", then the deleted and kept versions
            quiet.say(out(), "Cleanup complete:");
            if (!done.deleted().isEmpty()) quiet.say(out(), "Deleted " + done.deleted().size() + " old version(s):");
            done.deleted().forEach(a -> quiet.say(out(), "  - " + a));
            if (!done.kept().isEmpty()) quiet.say(out(), "Kept " + done.kept().size() + " recent version(s):");
            done.kept().forEach(a -> quiet.say(out(), "  - " + a));
            return 0;
        }
    }
}
