package coi.train;

import coi.cli.CoiCommand;
import coi.cli.Context;
import coi.cli.QuickSessions;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;

/**
 * Build tooling, not a command: the build runs it once through the launcher with COI_AOT_TRAIN
 * (bin/coi, so with the launcher's own JVM flags and class path) and the JVM writes the AOT cache
 * from what it loaded and linked. It runs the commands users type, as the CLI does, against a
 * {@link StandIn} for Incus on a temporary unix socket (never the real daemon), in a temporary
 * home and workspace that hold config files as a user's do (see {@link #USER_CONFIG}): `list`
 * (text, json), `run` and `shell` planned to the end (`--dry-run`, text and json), `pool status`,
 * `container exists|running|exec`, health, help and usage errors; then `coi run -- true` and
 * `coi shell --detach` with a warm pool, each from the pool, then cold ({@link LaunchRehearsal}).
 * With the argument {@value #SESSIONS} it trains the launcher's session cache instead: the same
 * files and launches, with `run` and `shell` planned as {@link QuickSessions} starts them, and
 * without the rest (no picocli), which is what bin/coi starts on that cache.
 * The launcher's quick cache has a training of its own ({@link QuickTraining}).
 */
public final class Training {
    /**
     * A user's config file as the README shows one, with the sections users set, so that the TOML
     * parser and the sections' readers are trained (every command reads this file before anything else).
     */
    static final String USER_CONFIG = """
            [defaults]
            image = "coi"
            persistent = false

            [tool]
            name = "claude"
            permission_mode = "bypass"

            [incus]
            project = "default"
            code_uid = 1000

            [network]
            mode = "restricted"
            allowed_domains = []
            refresh_interval_minutes = 30

            [limits]
            cpu = "2"
            memory = "4GiB"

            [security]
            writable_paths = [".idea"]

            [environment]
            EDITOR = "vim"

            [pool]
            size = 0

            [monitoring]
            enabled = false
            suspicious_ports = [4444, 5555, 1337, 31337]

            [profiles.heavy]
            image = "coi"
            persistent = true
            """;

    /** A project's `.coi.toml` that only narrows (so it needs no trust): a tool, a plain variable. */
    static final String PROJECT_CONFIG = """
            # this project's sessions
            [tool]
            name = "claude"

            [environment]
            PROJECT = "demo"
            """;

    /** The argument that asks for the session cache's training (bin/coi passes it). */
    static final String SESSIONS = "sessions";

    /** Any exit code: the command's answer depends on the build machine (`health` checks the host too). */
    private static final int ANY = -1;

    /** One command as a user types it, and the exit code it ends with against the stand-in ({@link #ANY}: not checked). */
    record Command(int exitCode, String... args) {}

    /** The full mode's commands, after help and usage errors. */
    static final List<Command> COMMANDS = List.of(
            new Command(0, "list"),
            new Command(0, "list", "--format", "json"),
            new Command(1, "container", "exists", StandIn.MISSING),
            new Command(1, "container", "running", StandIn.MISSING),
            new Command(1, "container", "exec", StandIn.MISSING, "--", "true"),
            new Command(0, "run", "--dry-run", "--", "true"),
            new Command(0, "run", "--dry-run", "--format", "json", "npm test && npm run lint"),
            new Command(0, "shell", "--dry-run"),
            new Command(0, "shell", "--dry-run", "--format", "json"),
            new Command(0, "pool", "status"),
            new Command(0, "pool", "status", "--format", "json"),
            new Command(ANY, "health", "--format", "json"));

    private Training() {}

    public static void main(String[] args) throws IOException {
        List<String> problems = train(!(args.length == 1 && args[0].equals(SESSIONS)));
        // the cache is still written: a drifted training is a slower start, not a broken build (TrainingTest fails on it)
        problems.forEach(p -> System.err.println("coi training: " + p));
    }

    /**
     * Runs the training; returns what did not go as trained (a command's exit code, a request the
     * stand-in could not answer). {@code full}: help, usage errors and {@link #COMMANDS} through
     * picocli before the launches; otherwise the launches alone, as `coi run CMD` and `coi shell`
     * start without picocli ({@link coi.cli.QuickSessions}): the session cache.
     */
    static List<String> train(boolean full) throws IOException {
        List<String> problems = new ArrayList<>();
        if (full) help(new StringWriter());
        Path dir = Files.createTempDirectory("coi-train");
        Path workspace = Files.createDirectories(dir.resolve("project"));
        Path conf = Files.createDirectories(dir.resolve(".config/incus"));
        Path socket = dir.resolve("incus.socket");
        try (StandIn standIn = new StandIn(socket, Map.of("WORKSPACE", workspace.toString(), "SESSIONS", dir.resolve(".coi").toString()))) {
            // the usual way to the daemon: the incus CLI's default remote, read from its config.yml
            Files.writeString(conf.resolve("config.yml"), "default-remote: stand-in\nremotes:\n  stand-in:\n    addr: unix://"
                    + socket + "\n    protocol: incus\n");
            Map<String, String> env = Map.of("HOME", dir.toString(), "PWD", workspace.toString());
            Files.writeString(Files.createDirectories(dir.resolve(".config/coi")).resolve("config.toml"), USER_CONFIG);
            Files.writeString(workspace.resolve(".coi.toml"), PROJECT_CONFIG);
            if (full) problems.addAll(commands(env));
            Path poolConfig = Files.writeString(dir.resolve("pool.toml"), LaunchRehearsal.POOL_CONFIG);
            Map<String, String> pooled = Map.of("HOME", dir.toString(), "PWD", workspace.toString(), "COI_CONFIG", poolConfig.toString());
            if (!full) problems.addAll(quickPlans(pooled));
            problems.addAll(LaunchRehearsal.rehearse(pooled, workspace, dir, standIn));
            standIn.unexpected().forEach(request -> problems.add("the stand-in for Incus could not answer " + request));
        } finally {
            try (var left = Files.walk(dir)) {
                left.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        return problems;
    }

    /** {@link #COMMANDS} as the CLI runs them; returns those that did not end as trained. */
    private static List<String> commands(Map<String, String> env) {
        List<String> problems = new ArrayList<>();
        for (Command command : COMMANDS) {
            StringWriter output = new StringWriter();
            int code;
            try (Context context = new Context(env)) {
                code = quiet(CoiCommand.commandLine(context, command.args()), output).execute(command.args());
            }
            if (command.exitCode() != ANY) expect(problems, String.join(" ", command.args()), command.exitCode(), code, output);
        }
        return problems;
    }

    /** `coi run -- true` and `coi shell` planned as coi.Main starts them (without picocli), to their printed plan. */
    private static List<String> quickPlans(Map<String, String> env) {
        List<String> problems = new ArrayList<>();
        for (String[] args : new String[][] {{"run", "--", "true"}, {"shell"}}) {
            StringWriter output = new StringWriter();
            int code;
            try (Context context = new Context(env)) {
                code = QuickSessions.plan(context, args, new PrintWriter(output), new PrintWriter(output));
            }
            expect(problems, String.join(" ", args) + " --dry-run", 0, code, output);
        }
        return problems;
    }

    /** Adds a problem when `coi {@code command}` ended with {@code code}, not {@code wanted}. */
    private static void expect(List<String> problems, String command, int wanted, int code, StringWriter output) {
        if (code != wanted) problems.add("`coi " + command + "` ended with " + code + ", not " + wanted + ": " + output.toString().strip());
    }

    /** Help of every command and subcommand, and usage errors. */
    private static void help(StringWriter sink) {
        CommandLine root = quiet(CoiCommand.commandLine(new Context(Map.of()), "--help"), sink);
        root.execute("--help");
        for (var sub : root.getSubcommands().values()) {
            sub.usage(new PrintWriter(sink));
            for (var nested : sub.getSubcommands().values()) nested.usage(new PrintWriter(sink));
        }
        root.execute("container", "exec", "--format", "yaml", "x", "--", "true");
        root.execute("no-such-command");
    }

    private static CommandLine quiet(CommandLine cli, StringWriter sink) {
        cli.setOut(new PrintWriter(sink));
        cli.setErr(new PrintWriter(sink));
        return cli;
    }
}
