package coi.cli;

import coi.Version;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

@Command(name = "coi", mixinStandardHelpOptions = true, versionProvider = Version.Provider.class,
        description = "Run AI coding agents (Claude Code, opencode, Codex, Aider) inside isolated Incus containers.",
        subcommands = {
            ShellCommand.class,
            RunCommand.class,
            SessionCommands.Attach.class,
            SessionCommands.ListSessions.class,
            SessionCommands.Info.class,
            SessionCommands.Shutdown.class,
            SessionCommands.Kill.class,
            SessionCommands.Clean.class,
            SessionCommands.Persist.class,
            BuildCommand.class,
            ImageCommand.class,
            TmuxCommand.class,
            HealthCommand.class,
            ContainerCommand.class,
            FileCommand.class,
            CommandLine.HelpCommand.class,
            TrainCommand.class,
            WatchCommand.class,
        },
        footer = {"", "Environment: COI_INCUS_SOCKET (default /var/lib/incus/unix.socket), COI_INCUS_URL for a remote",
                "over HTTPS, COI_DEBUG=1 like --debug. Docs: README.md."})
public final class CoiCommand implements java.util.concurrent.Callable<Integer> {
    @Option(names = "--debug", scope = ScopeType.INHERIT, description = "Show stack traces on errors.")
    boolean debug;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Plain `coi` starts a shell session, as the original does. */
    @Override
    public Integer call() {
        return spec.commandLine().execute(debug ? new String[] {"shell", "--debug"} : new String[] {"shell"});
    }

    /** The whole command tree, wired to one {@link Context} built from the real environment. */
    public static CommandLine commandLine() {
        return commandLine(new Context(System.getenv()));
    }

    public static CommandLine commandLine(Context context) {
        Errors errors = new Errors();
        CommandLine cli = new CommandLine(new CoiCommand(), new Factory(context));
        cli.setExecutionExceptionHandler(errors);
        cli.setParameterExceptionHandler(errors);
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        return cli;
    }

    /** Commands that take a Context in their constructor get the shared one. */
    private record Factory(Context context) implements CommandLine.IFactory {
        @Override
        public <K> K create(Class<K> cls) throws Exception {
            try {
                var ctor = cls.getDeclaredConstructor(Context.class);
                ctor.setAccessible(true);
                return ctor.newInstance(context);
            } catch (NoSuchMethodException e) {
                return CommandLine.defaultFactory().create(cls);
            }
        }
    }

    static Map<String, Object> ordered(Object... kv) {
        var map = new java.util.LinkedHashMap<String, Object>();
        for (int i = 0; i < kv.length; i += 2) map.put((String) kv[i], kv[i + 1]);
        return map;
    }
}
