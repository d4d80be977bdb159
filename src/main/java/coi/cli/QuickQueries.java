package coi.cli;

import coi.container.ContainerService;
import java.io.PrintWriter;

/**
 * `coi container exists NAME` and `coi container running NAME`, the questions scripts ask in
 * loops, answered without building picocli's model of the container commands (reading the
 * annotations of all eight took a third of the command's time, bench/startup). The launcher
 * starts them with an AOT cache trained on this path alone (bin/coi). Anything else, flags
 * included, takes the ordinary path; both ask the same service and say errors the same way.
 */
public final class QuickQueries {
    private QuickQueries() {}

    /** The exit code when {@code args} is one of these questions; -1 for everything else. */
    public static int answer(String[] args) {
        if (args.length != 3 || !args[0].equals("container") || args[2].startsWith("-")) return -1;
        boolean running;
        switch (args[1]) {
            case "exists" -> running = false;
            case "running" -> running = true;
            default -> { return -1; }
        }
        coi.incus.Warmup.startForQueries();
        return answer(new Context(System.getenv()), running, args[2], new PrintWriter(System.err, true));
    }

    /** {@code coi container running|exists name} in {@code context}; closes it. */
    public static int answer(Context context, boolean running, String name, PrintWriter err) {
        try (context) {
            ContainerService containers = context.services().containers();
            return (running ? containers.running(name) : containers.exists(name)) ? 0 : 1;
        } catch (RuntimeException e) {
            return Errors.report(e, "coi container " + (running ? "running" : "exists"), err, Errors.debug(new String[0]));
        }
    }
}
