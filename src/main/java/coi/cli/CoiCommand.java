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
        // --debug before `shell`: stack traces (after it, the original's bash instead of the tool)
        return spec.commandLine().execute(debug ? new String[] {"--debug", "shell"} : new String[] {"shell"});
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
     * {@code args} as the command tree reads them. Session flags before any command are the
     * original's root flags, which apply to the command after them (`coi -w ~/p run make`, `coi
     * --slot 2 attach`): they move after that command's name, where it reads them (a command
     * without such a flag then says so). Without a command after them they are `coi shell`'s
     * (`coi --slot 2 --persistent`): "shell" goes in before them. Anything else, a typo of a root
     * option included, stays the root's to report.
     */
    public static String[] expand(String... args) {
        List<String> root = new java.util.ArrayList<>(), session = new java.util.ArrayList<>();
        Map<String, Boolean> takesValue = null;
        int end = 0;
        while (end < args.length) {
            String a = args[end];
            // help stays with the command it asks about; the other root options go before it
            if (!a.equals("-h") && !a.equals("--help") && (ROOT_OPTIONS.contains(a) || a.startsWith("--remote="))) {
                root.add(a);
                end++;
                continue;
            }
            if (a.equals("--remote")) {
                root.addAll(List.of(args).subList(end, Math.min(end + 2, args.length)));
                end += 2;
                continue;
            }
            if (!a.startsWith("-")) break;
            if (takesValue == null) takesValue = shellOptionValues();
            String[] nameValue = a.split("=", 2);
            Boolean value = a.equals("-h") || a.equals("--help") ? Boolean.FALSE : takesValue.get(nameValue[0]);
            if (value == null) break;
            int n = value && nameValue.length == 1 ? 2 : 1;
            session.addAll(List.of(args).subList(end, Math.min(end + n, args.length)));
            end += n;
        }
        if (session.stream().allMatch(a -> a.equals("-h") || a.equals("--help"))) return args;
        List<String> out = new java.util.ArrayList<>(root);
        if (end < args.length && commandNames().contains(args[end])) out.add(args[end++]);
        else out.add("shell");
        out.addAll(session);
        out.addAll(List.of(args).subList(Math.min(end, args.length), args.length));
        return out.toArray(String[]::new);
    }

    /**
     * The option names of `coi shell`, each with whether it reads the next word as its value (an
     * optional value, as --resume's, is given only with "=").
     */
    private static Map<String, Boolean> shellOptionValues() {
        Map<String, Boolean> names = new java.util.HashMap<>();
        for (Class<?> c : List.of(ShellCommand.class, SessionOptions.class)) {
            for (var field : c.getDeclaredFields()) {
                Option o = field.getAnnotation(Option.class);
                if (o != null) put(names, o, field.getType());
            }
            for (var method : c.getDeclaredMethods()) {
                Option o = method.getAnnotation(Option.class);
                if (o != null) put(names, o, method.getParameterCount() == 1 ? method.getParameterTypes()[0] : boolean.class);
            }
        }
        return names;
    }

    private static void put(Map<String, Boolean> names, Option o, Class<?> type) {
        boolean flag = type == boolean.class || type == Boolean.class;
        boolean takesValue = o.arity().isEmpty() ? !flag : !o.arity().startsWith("0");
        for (String name : o.names()) names.put(name, takesValue);
    }

    /** The names (and aliases) of coi's top-level commands. */
    private static java.util.Set<String> commandNames() {
        java.util.Set<String> names = new java.util.HashSet<>();
        for (Class<?> command : COMMANDS) {
            Command c = command.getAnnotation(Command.class);
            names.add(c.name());
            names.addAll(List.of(c.aliases()));
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
