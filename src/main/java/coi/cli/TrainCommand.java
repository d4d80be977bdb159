package coi.cli;

import coi.incus.Json;
import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Hidden: the build runs this once with -XX:AOTCacheOutput so the AOT cache holds the classes
 * that help, parsing and JSON need. It never touches the daemon.
 */
@Command(name = "__train", hidden = true)
final class TrainCommand implements Runnable {
    @Override
    public void run() {
        StringWriter sink = new StringWriter();
        CommandLine root = CoiCommand.commandLine(new Context(java.util.Map.of()));
        root.setOut(new PrintWriter(sink));
        root.setErr(new PrintWriter(sink));
        root.execute("--help");
        root.execute("--version");
        for (var sub : root.getSubcommands().values()) {
            sub.usage(new PrintWriter(sink));
            for (var nested : sub.getSubcommands().values()) nested.usage(new PrintWriter(sink));
        }
        root.execute("container", "exec", "--format", "yaml", "x", "--", "true");
        root.execute("no-such-command");
        Json.parse("{\"type\":\"sync\",\"metadata\":{\"name\":\"x\",\"config\":{\"a\":\"b\"}}}".getBytes());
        Json.convert(Json.parse("{\"status\":\"Running\",\"pid\":1,\"network\":{}}".getBytes()), coi.incus.Model.InstanceState.class);
    }
}
