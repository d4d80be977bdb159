package coi.cli;

import coi.UsageException;
import coi.container.ContainerService;
import coi.incus.ExecRequest;
import java.io.FileOutputStream;
import java.io.FileDescriptor;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "container", description = "Low-level container operations.",
        subcommands = {
            ContainerCommand.Launch.class, ContainerCommand.Start.class, ContainerCommand.Stop.class,
            ContainerCommand.Delete.class, ContainerCommand.Exec.class, ContainerCommand.Exists.class,
            ContainerCommand.Running.class, ContainerCommand.Mount.class,
        })
final class ContainerCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new UsageException("missing subcommand: launch, start, stop, delete, exec, exists, running or mount");
    }

    abstract static class Base implements Callable<Integer> {
        final Context context;
        @Spec
        CommandSpec spec;

        Base(Context context) {
            this.context = context;
        }

        ContainerService service() {
            return context.services().containers();
        }
    }

    @Command(name = "launch", description = "Create and start a container from an image.")
    static final class Launch extends Base {
        @Parameters(index = "0", paramLabel = "IMAGE") String image;
        @Parameters(index = "1", paramLabel = "NAME") String name;
        @Option(names = "--ephemeral", description = "Delete the container when it stops.") boolean ephemeral;
        @Option(names = {"-s", "--storage"}, paramLabel = "POOL", description = "Storage pool for the root disk (default: [incus] pool, else the default profile's).") String pool;

        Launch(Context c) { super(c); }

        public Integer call() {
            Services services = context.services();
            services.containers().launch(image, name, ephemeral, pool != null ? pool : services.config().incus().pool().orElse(null));
            return 0;
        }
    }

    @Command(name = "start", description = "Start a stopped container.")
    static final class Start extends Base {
        @Parameters(paramLabel = "NAME") String name;

        Start(Context c) { super(c); }

        public Integer call() {
            service().start(name);
            return 0;
        }
    }

    @Command(name = "stop", description = "Stop a container (clean shutdown, or at once with --force).")
    static final class Stop extends Base {
        @Parameters(paramLabel = "NAME") String name;
        @Option(names = {"-f", "--force"}, description = "Stop at once, without a clean shutdown.") boolean force;
        @Option(names = "--timeout", defaultValue = "30", description = "Seconds to wait for a clean stop (default ${DEFAULT-VALUE}).") int timeout;

        Stop(Context c) { super(c); }

        public Integer call() {
            service().stop(name, force, timeout);
            return 0;
        }
    }

    @Command(name = "delete", description = "Delete a container (--force also stops a running one).")
    static final class Delete extends Base {
        @Parameters(paramLabel = "NAME") String name;
        @Option(names = {"-f", "--force"}, description = "Also stop it when it runs.") boolean force;

        Delete(Context c) { super(c); }

        public Integer call() {
            service().delete(name, force);
            return 0;
        }
    }

    @Command(name = "exec", description = {"Run a command in a running container without a terminal.",
            "Returns the command's exit code; with --capture --format json prints stdout, stderr and exit_code."})
    static final class Exec extends Base {
        @Parameters(index = "0", paramLabel = "NAME") String name;
        @Parameters(index = "1..*", paramLabel = "CMD", arity = "1..*", description = "The command, after `--`.") List<String> command;
        @Option(names = "--user", paramLabel = "UID", defaultValue = "0", description = "Run as this user id (default root).") int uid;
        @Option(names = "--group", paramLabel = "GID", defaultValue = "-1", description = "Run with this group id (default: the user id).") int gid;
        @Option(names = {"-e", "--env"}, paramLabel = "K=V", description = "Set an environment variable (repeatable).") List<String> env = List.of();
        @Option(names = "--cwd", paramLabel = "DIR", defaultValue = "/workspace",
                description = "Working folder (default /workspace, as the original's; where it is missing Incus starts in /).") String cwd;
        @Option(names = "--capture", description = "Collect the output instead of streaming it.") boolean capture;
        @Option(names = "--format", paramLabel = "json|raw", description = "With --capture: json (default) or raw.") String format;

        Exec(Context c) { super(c); }

        public Integer call() {
            if (format != null && !capture) throw new UsageException("--format needs --capture");
            if (format != null && !format.equals("json") && !format.equals("raw")) throw new UsageException("--format must be json or raw, not '" + format + "'");
            ExecRequest request = new ExecRequest(command, envMap(env), uid, gid < 0 ? uid : gid, cwd);
            if (!capture) {
                PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true);
                PrintStream err = new PrintStream(new FileOutputStream(FileDescriptor.err), true);
                return service().exec(name, request, Stdin.forwardable(), out, err);
            }
            return Output.captured(spec.commandLine().getOut(), service().execCapture(name, request), !"raw".equals(format));
        }
    }

    @Command(name = "exists", description = "Exit 0 when the container exists, 1 when not.")
    static final class Exists extends Base {
        @Parameters(paramLabel = "NAME") String name;

        Exists(Context c) { super(c); }

        public Integer call() {
            return service().exists(name) ? 0 : 1;
        }
    }

    @Command(name = "running", description = "Exit 0 when the container is running, 1 when not.")
    static final class Running extends Base {
        @Parameters(paramLabel = "NAME") String name;

        Running(Context c) { super(c); }

        public Integer call() {
            return service().running(name) ? 0 : 1;
        }
    }

    @Command(name = "mount", description = {"Add a host directory to a container as a disk device.",
            "Writable into a session's container, its git repositories are checked as the workspace's are."})
    static final class Mount extends Base {
        @Parameters(index = "0", paramLabel = "NAME") String name;
        @Parameters(index = "1", paramLabel = "DEVICE") String device;
        @Parameters(index = "2", paramLabel = "SRC") Path source;
        @Parameters(index = "3", paramLabel = "PATH") String path;
        @Option(names = "--shift", arity = "0..1", defaultValue = "true", fallbackValue = "true", paramLabel = "BOOL",
                description = {"Idmapped mount: container uids map to the same host uids, so files are readable inside.",
                        "On by default, as in the original; --shift=false to opt out."}) boolean shift;
        @Option(names = "--readonly", description = "Mount it read-only.") boolean readonly;

        Mount(Context c) { super(c); }

        public Integer call() {
            // a session's agent can write the folder from now: what it writes in a repository there is checked (GitGuard)
            if (!readonly) context.services().admin().mountingBeside(name, source);
            service().mount(name, device, source, path, shift, readonly);
            return 0;
        }
    }

    static Map<String, String> envMap(List<String> pairs) {
        Map<String, String> env = new LinkedHashMap<>();
        for (String p : pairs) {
            int eq = p.indexOf('=');
            if (eq <= 0) throw new UsageException("--env needs KEY=VALUE, got '" + p + "'");
            env.put(p.substring(0, eq), p.substring(eq + 1));
        }
        return env;
    }

    /** Host stdin is forwarded only when it is a pipe or a file: a terminal would block forever. */
    static final class Stdin {
        static InputStream forwardable() {
            try {
                String target = Files.readSymbolicLink(Path.of("/proc/self/fd/0")).toString();
                if (target.startsWith("pipe:") || target.startsWith("/") && Files.isRegularFile(Path.of(target))) {
                    return System.in;
                }
            } catch (IOException | UnsupportedOperationException e) {
                // no /proc: do not forward
            }
            return null;
        }
    }
}
