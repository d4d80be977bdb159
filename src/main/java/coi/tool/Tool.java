package coi.tool;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * One AI coding tool as coi runs it inside a container: how to start it, where it keeps its state
 * (bind-mounted from the host's session directory), and what of the host user's own configuration
 * a new session starts from. The tools differ in data; the little code some need (seeding a
 * config, deciding whether a resume would work) lives in {@link Claude}, {@link Codex} and {@link Aider}.
 *
 * @param name          the name used in config ({@code [tool] name}) and in {@code sessions-<name>}
 * @param installHint   how an image gets the tool, for the error when it has not: "`coi build` installs it from ..."
 * @param stateDir      the tool's state directory, relative to {@link #HOME}
 * @param environment   variables the tool needs in the container, e.g. to keep all its state inside {@code stateDir}
 * @param arguments     what always follows the binary
 * @param resume        how the command line asks to resume
 * @param bypassFlag    the flag that skips the tool's permission prompts (permission mode "bypass")
 * @param seed          fills a new session's state dir from the host user's own tool config (see {@link #seed(Path, Path)})
 * @param resumeCheck   how a resumed session starts, given its state dir on the host (see {@link #resumeFrom(Path)})
 */
public record Tool(String name, String defaultBinary, String installHint, String stateDir, Map<String, String> environment,
                   List<String> arguments, ResumeArguments resume, String bypassFlag, Seed seed, ResumeCheck resumeCheck) {
    /** Home of the in-container user {@code code}; state dirs and environment paths live under it. */
    public static final String HOME = "/home/code";
    /** Where the user's project is mounted; the tools are told to trust it. */
    public static final String WORKSPACE = "/workspace";

    private static final String NPM = "`coi build` installs it from the npm registry";

    public static final Tool CLAUDE = new Tool("claude", "claude", NPM + " (@anthropic-ai/claude-code)", ".claude",
            // The image pins claude's version; an update inside a throwaway container is wasted and lost.
            Map.of("CLAUDE_CONFIG_DIR", HOME + "/.claude", "DISABLE_AUTOUPDATER", "1"),
            List.of(), new ResumeArguments(List.of("--continue"), List.of("--resume"), true), "--dangerously-skip-permissions",
            Claude::seed, Claude::resumeFrom);

    /** Its data dir holds the sessions database and {@code auth.json}; its config dir ({@code ~/.config/opencode}) is not carried over. */
    public static final Tool OPENCODE = new Tool("opencode", "opencode", NPM + " (opencode-ai)", ".local/share/opencode",
            // The image pins opencode's version; an update inside a throwaway container is wasted and lost.
            Map.of("OPENCODE_DISABLE_AUTOUPDATE", "true"),
            List.of(), new ResumeArguments(List.of("--continue"), List.of("--session"), true), "--auto",
            Seed.copies(Map.of(".local/share/opencode/auth.json", "auth.json")), ResumeCheck.LATEST);

    /** {@code CODEX_HOME} holds all its state; resuming is a subcommand taking the same options as a new session. */
    public static final Tool CODEX = new Tool("codex", "codex", NPM + " (@openai/codex)", ".codex",
            Map.of("CODEX_HOME", HOME + "/.codex"),
            List.of(), new ResumeArguments(List.of("resume", "--last"), List.of("resume"), true),
            "--dangerously-bypass-approvals-and-sandbox", Codex::seed, ResumeCheck.LATEST);

    /**
     * Aider keeps its chat history in the workspace, one per workspace and without ids: both resume
     * forms mean "restore it". {@code ~/.aider} holds caches, analytics consent and its OAuth keys.
     */
    public static final Tool AIDER = new Tool("aider", "aider",
            "`coi build` installs it when the build container reaches the Python package index (PyPI, or PIP_INDEX_URL)", ".aider",
            // The image pins aider's version; its update check would offer a pip install in a throwaway container.
            Map.of("AIDER_CHECK_UPDATE", "false"),
            List.of("--config", HOME + "/.aider/" + Aider.CONFIG_FILE),
            new ResumeArguments(List.of("--restore-chat-history"), List.of("--restore-chat-history"), false), "--yes-always",
            Aider::seed, ResumeCheck.LATEST);

    /** The test suite's stand-in agent (see {@link FakeAi}). */
    public static final Tool FAKE = new Tool("fake", "fake-ai", "the test suite's image installs it (TestImages)", ".fake-ai",
            Map.of("FAKE_AI_STATE", HOME + "/.fake-ai"),
            List.of(), new ResumeArguments(List.of("--resume"), List.of("--resume"), true), "--bypass-permissions",
            Seed.copies(Map.of(".fake-ai/credentials", "credentials")), ResumeCheck.LATEST);

    /**
     * @param latest  the arguments that resume the latest conversation
     * @param byId    the arguments that resume a given one, followed by its id when {@code takesId}
     */
    public record ResumeArguments(List<String> latest, List<String> byId, boolean takesId) {}

    /**
     * Fills a new session's state dir from the host user's own tool config: credentials and
     * settings only (never history, projects or caches), then adds what coi needs so the tool
     * starts without first-run questions. Files the host does not have are skipped.
     */
    @FunctionalInterface
    public interface Seed {
        void into(Path hostHome, Path stateDir) throws IOException;

        /** Copies of host files (relative to the host home) into the state dir (relative to it). */
        static Seed copies(Map<String, String> hostToState) {
            return (hostHome, stateDir) -> {
                for (var e : hostToState.entrySet()) StateFiles.copyIfPresent(hostHome.resolve(e.getKey()), stateDir.resolve(e.getValue()));
            };
        }
    }

    /**
     * How a resumed session starts the tool, given its state dir on the host: its latest
     * conversation, or a new one when the tool would refuse its resume form on this state (the
     * state dir is the agent's own writing: it can only make coi leave the resume form out).
     */
    @FunctionalInterface
    public interface ResumeCheck {
        ResumeCheck LATEST = stateDir -> Resume.latest();

        Resume from(Path stateDir);
    }

    public Tool {
        environment = Map.copyOf(environment);
        arguments = List.copyOf(arguments);
    }

    /** The argv that starts the tool in {@link #WORKSPACE}, honouring the binary override. */
    public List<String> command(Launch launch) {
        List<String> argv = new ArrayList<>();
        argv.add(launch.binaryOr(defaultBinary));
        argv.addAll(arguments);
        // instanceof, not a pattern switch: every session plans this, and a pattern switch's first
        // run bootstraps a class of its own (milliseconds of a fresh JVM that the AOT cache cannot keep)
        Resume from = launch.resume();
        if (from instanceof Resume.Latest) argv.addAll(resume.latest());
        else if (from instanceof Resume.Id(String id)) {
            argv.addAll(resume.byId());
            if (resume.takesId()) argv.add(id);
        } else if (!(from instanceof Resume.None)) throw new IllegalStateException("an unknown way to resume: " + from.getClass().getName());
        if (launch.bypass()) argv.add(bypassFlag);
        return List.copyOf(argv);
    }

    public void seed(Path hostHome, Path stateDir) throws IOException {
        seed.into(hostHome, stateDir);
    }

    public Resume resumeFrom(Path stateDir) {
        return resumeCheck.from(stateDir);
    }

    /** The absolute path of {@link #stateDir()} inside the container. */
    public String containerStateDir() {
        return HOME + "/" + stateDir;
    }

    public static List<Tool> all() {
        return List.of(CLAUDE, OPENCODE, CODEX, AIDER, FAKE);
    }

    public static Tool named(String name) {
        return all().stream()
                .filter(tool -> tool.name().equals(name))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown tool '" + name + "': known tools are "
                        + all().stream().map(Tool::name).collect(Collectors.joining(", "))));
    }
}
