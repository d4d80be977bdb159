package coi.tool;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * One AI coding tool as coi runs it inside a container: how to start it, where it keeps its state
 * (bind-mounted from the host's session directory), and what of the host user's own configuration
 * a new session starts from.
 */
public sealed interface Tool permits Claude, OpenCode, Codex, Aider, FakeAi {
    /** Home of the in-container user {@code code}; state dirs and environment paths live under it. */
    String HOME = "/home/code";
    /** Where the user's project is mounted; the tools are told to trust it. */
    String WORKSPACE = "/workspace";

    /** The name used in config ({@code [tool] name}) and in {@code sessions-<name>}. */
    String name();

    String defaultBinary();

    /** How an image gets the tool, for the error when it has not: "`coi build` installs it from ...". */
    String installHint();

    /** The argv that starts the tool in {@link #WORKSPACE}, honouring the binary override. */
    List<String> command(Launch launch);

    /** The tool's state directory, relative to {@link #HOME}. */
    String stateDir();

    /** Variables the tool needs in the container, e.g. to keep all its state inside {@link #stateDir()}. */
    Map<String, String> environment();

    /**
     * Fills a new session's state dir from the host user's own tool config: credentials and
     * settings only (never history, projects or caches), then adds what coi needs so the tool
     * starts without first-run questions. Files the host does not have are skipped.
     */
    void seed(Path hostHome, Path stateDir) throws IOException;

    /**
     * How a resumed session starts the tool, given its state dir on the host: its latest
     * conversation, or a new one when the tool would refuse its resume form on this state (the
     * state dir is the agent's own writing: it can only make coi leave the resume form out).
     */
    default Resume resumeFrom(Path stateDir) {
        return Resume.latest();
    }

    /** The absolute path of {@link #stateDir()} inside the container. */
    default String containerStateDir() {
        return HOME + "/" + stateDir();
    }

    static List<Tool> all() {
        return List.of(new Claude(), new OpenCode(), new Codex(), new Aider(), new FakeAi());
    }

    static Tool named(String name) {
        return all().stream()
                .filter(tool -> tool.name().equals(name))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown tool '" + name + "': known tools are "
                        + all().stream().map(Tool::name).collect(Collectors.joining(", "))));
    }
}
