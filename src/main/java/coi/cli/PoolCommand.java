package coi.cli;

import coi.UsageException;
import coi.config.Config;
import coi.session.WarmPool;
import coi.session.Workspace;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "pool", description = {
        "The warm pool: started, fenced containers that `coi run` and `coi shell` claim instead of launching one.",
        "`[pool] size = N` (or COI_POOL_SIZE) keeps N per image; 0, the default, keeps none.",
        "A claimed container serves one session and is removed with it. Once a pool is filled (or used), coi's background",
        "process keeps it filled and replaces members whose image was rebuilt or whose settings changed, until `coi pool drain`."},
        subcommands = {PoolCommand.Status.class, PoolCommand.Fill.class, PoolCommand.Drain.class})
final class PoolCommand implements Runnable {
    @Override
    public void run() {
        throw new UsageException("missing subcommand: status, fill or drain (`coi pool --help`)");
    }

    abstract static class Base implements Callable<Integer> {
        final Context context;
        @Spec
        CommandSpec spec;
        @Mixin
        SessionOptions options;

        Base(Context context) {
            this.context = context;
        }

        PrintWriter out() {
            return spec.commandLine().getOut();
        }

        @Option(names = "--format", defaultValue = "text", description = "text or json") String format;

        Workspace workspace() {
            return options.workspace(context);
        }

        Config config() {
            return options.config(context, workspace());
        }

        WarmPool pool(Config config) {
            return context.services(config).sessions(out()).pool();
        }

        /** One line of text, or {@code key: values} as JSON. */
        int report(String key, List<String> names, String text) {
            if (Output.parse(format) == Output.JSON) Output.json(out(), CoiCommand.ordered(key, names));
            else out().println(text);
            out().flush();
            return 0;
        }
    }

    @Command(name = "status",
            description = "List the pool's members; FITS says whether a `coi run` or `coi shell` here (with these options) would take one.")
    static final class Status extends Base {
        Status(Context c) { super(c); }

        @Override
        public Integer call() {
            Output output = Output.parse(format);
            Config config = config();
            List<WarmPool.Member> members = pool(config).status(workspace(), config);
            if (output == Output.JSON) {
                Output.json(out(), CoiCommand.ordered("size", config.pool().size(), "image", config.image(), "members", members));
                return 0;
            }
            out().println("pool size " + config.pool().size() + " for image " + config.image() + ": " + members.size() + " member(s)");
            if (!members.isEmpty()) {
                Table table = new Table("NAME", "STATE", "IMAGE", "FINGERPRINT", "IPV4", "FITS");
                for (WarmPool.Member m : members) {
                    table.row(m.name(), m.state(), m.alias(), m.image() == null ? null : m.image().substring(0, Math.min(12, m.image().length())),
                            m.ipv4(), m.fits() ? "yes" : "no");
                }
                table.print(out());
            }
            out().flush();
            return 0;
        }
    }

    @Command(name = "fill",
            description = "Make members until the pool of this config's image holds `[pool] size`; stale ones (image rebuilt, settings changed) go first.")
    static final class Fill extends Base {
        @Option(names = {"-q", "--quiet"}, description = "Print nothing.") boolean quiet;

        Fill(Context c) { super(c); }

        @Override
        public Integer call() {
            Output.parse(format);
            Config config = config();
            WarmPool pool = pool(config);
            List<String> made = pool.fill(workspace(), config);
            if (config.pool().size() > 0) pool.keepFilled(workspace(), context.env());
            if (quiet) return 0;
            return report("made", made, made.isEmpty() ? "the pool is full (size " + config.pool().size() + ")" : "made " + String.join(", ", made));
        }
    }

    @Command(name = "drain", description = "Remove every unclaimed member (and its network rules); the background process stops refilling.")
    static final class Drain extends Base {
        Drain(Context c) { super(c); }

        @Override
        public Integer call() {
            Output.parse(format);
            List<String> removed = pool(config()).drain();
            return report("removed", removed, removed.isEmpty() ? "the pool is empty" : "removed " + String.join(", ", removed));
        }
    }
}
