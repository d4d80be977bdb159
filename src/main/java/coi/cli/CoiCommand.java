package coi.cli;

import coi.Version;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

@Command(name = "coi", versionProvider = Version.Provider.class,
        description = {"Run AI coding agents (Claude Code, opencode, Codex, Aider) inside isolated Incus containers.",
                "Plain `coi`, or session flags before any command (`coi --slot 2`), start a shell: `coi shell`."},
        footer = {"", "Environment: COI_INCUS_SOCKET (default /var/lib/incus/unix.socket), COI_INCUS_REMOTE (a remote of the incus CLI),",
                "COI_INCUS_URL for a remote over HTTPS, COI_INCUS_TIMEOUT (seconds to wait for Incus, default 60),",
                "COI_DEBUG=1 like --debug. Docs: README.md, man coi."})
public final class CoiCommand implements java.util.concurrent.Callable<Integer> {
    /**
     * The top-level commands, in the order `coi --help` lists them. picocli reads each class's
     * annotations when it is added, which costs milliseconds per command: a run adds only the
     * command it was asked for (see {@link #commandLine(Context, String...)}).
     */
    static final List<Class<?>> COMMANDS = List.of(
            ShellCommand.class,
            RunCommand.class,
            SessionCommands.Attach.class,
            SessionCommands.ListSessions.class,
            SessionCommands.Info.class,
            SessionCommands.Shutdown.class,
            SessionCommands.Kill.class,
            SessionCommands.Clean.class,
            SessionCommands.Persist.class,
            PoolCommand.class,
            TrustCommand.Trust.class,
            TrustCommand.Untrust.class,
            ResumeCommand.class,
            AuditCommand.class,
            MonitorCommand.class,
            SnapshotCommand.class,
            BuildCommand.class,
            ImageCommand.class,
            ImagesCommand.class,
            TmuxCommand.class,
            HealthCommand.class,
            SetupCommand.class,
            ContainerCommand.class,
            FileCommand.class,
            CompletionCommand.class,
            VersionCommand.class,
            CommandLine.HelpCommand.class,
            WatchCommand.class,
            ViewCommand.class,
            ReapCommand.class);

    /** -v is the original's spelling, -V picocli's (and this coi's before): both kept. --help comes from {@link HelpOptions}. */
    @Option(names = {"-V", "-v", "--version"}, versionHelp = true, description = "Print the version and exit.")
    boolean version;

    @Option(names = "--debug", scope = ScopeType.INHERIT, description = "Show stack traces on errors.")
    boolean debug;

    private Context context;

    @Option(names = "--remote", scope = ScopeType.INHERIT, paramLabel = "NAME",
            description = "Use this remote of the incus CLI (`incus remote list`) instead of the default one.")
    void remote(String name) {
        context.useRemote(name);
    }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Plain `coi` starts a shell session, as the original does. */
    @Override
    public Integer call() {
        return spec.commandLine().execute(debug ? new String[] {"shell", "--debug"} : new String[] {"shell"});
    }

    /** The root's version flags (as its {@code --version} option names them). */
    private static final List<String> VERSION_FLAGS = List.of("-V", "-v", "--version");
    /** Options of the root itself; {@code --remote} takes a value. */
    private static final java.util.Set<String> ROOT_OPTIONS = rootOptions();

    private static java.util.Set<String> rootOptions() {
        java.util.Set<String> options = new java.util.HashSet<>(VERSION_FLAGS);
        options.addAll(List.of("--debug", "-h", "--help"));
        return java.util.Set.copyOf(options);
    }

    /**
     * {@code args} as the command tree reads them: session flags before any command (`coi --slot 2
     * --persistent`, the original's root flags) are `coi shell`'s, so "shell" goes in before the
     * first word that is not the root's option, when it is an option of `coi shell` (anything else,
     * a typo of a root option included, stays the root's to report).
     */
    public static String[] expand(String... args) {
        int i = 0;
        while (i < args.length) {
            String a = args[i];
            if (ROOT_OPTIONS.contains(a) || a.startsWith("--remote=")) i++;
            else if (a.equals("--remote")) i += 2;
            else break;
        }
        if (i >= args.length || !args[i].startsWith("-") || !shellOptions().contains(args[i].split("=", 2)[0])) return args;
        String[] expanded = new String[args.length + 1];
        System.arraycopy(args, 0, expanded, 0, i);
        expanded[i] = "shell";
        System.arraycopy(args, i, expanded, i + 1, args.length - i);
        return expanded;
    }

    /** The option names of `coi shell` (its own and the session flags), read from their annotations. */
    static java.util.Set<String> shellOptions() {
        java.util.Set<String> names = new java.util.HashSet<>();
        for (Class<?> c : List.of(ShellCommand.class, SessionOptions.class)) {
            var members = java.util.stream.Stream.concat(java.util.Arrays.stream(c.getDeclaredFields()), java.util.Arrays.stream(c.getDeclaredMethods()));
            members.map(m -> m.getAnnotation(Option.class)).filter(java.util.Objects::nonNull).forEach(o -> names.addAll(List.of(o.names())));
        }
        return names;
    }

    /** The command tree for these arguments, wired to one {@link Context} built from the real environment. */
    public static CommandLine commandLine(String... args) {
        return commandLine(new Context(System.getenv()), args);
    }

    /**
     * The root plus what {@code args} need: only the named top-level command when the first
     * word names one; nothing more for `--version`; `shell` for a plain `coi`; everything for
     * help and for unknown words (so their error can suggest the right command).
     */
    public static CommandLine commandLine(Context context, String... args) {
        Errors errors = new Errors();
        Factory factory = new Factory(context);
        CoiCommand root = new CoiCommand();
        root.context = context;
        CommandLine cli = new CommandLine(root, factory);
        for (Class<?> command : commandsFor(args)) cli.addSubcommand(create(factory, command));
        HelpOptions.addEverywhere(cli);
        cli.setExecutionExceptionHandler(errors);
        cli.setParameterExceptionHandler(errors);
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        return cli;
    }

    static List<Class<?>> commandsFor(String... args) {
        String first = java.util.Arrays.stream(args).filter(a -> !a.startsWith("-")).findFirst().orElse(null);
        if (first == null) {
            List<String> flags = List.of(args);
            if (flags.contains("-h") || flags.contains("--help")) return COMMANDS;
            if (!java.util.Collections.disjoint(flags, VERSION_FLAGS)) return List.of();
            return List.of(ShellCommand.class);
        }
        for (Class<?> command : COMMANDS) {
            if (!first.equals("help") && command.getAnnotation(Command.class).name().equals(first)) return List.of(command);
        }
        return COMMANDS;
    }

    private static Object create(Factory factory, Class<?> command) {
        try {
            return factory.create(command);
        } catch (Exception e) {
            throw new IllegalStateException("cannot create command " + command.getName(), e);
        }
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
