package coi;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Starts a process that outlives coi (the supervisor, the helper that finishes a run, incusd
 * under `coi setup`): in a session of its own (`setsid --fork`), so that coi's terminal and its
 * signals do not reach it. The fork makes it a grandchild: coi waits only for setsid, which exits at
 * once. A child that coi left running would cost every command that started one 300 ms at exit:
 * the JVM's exit waits that long for threads in native code, and the JDK's "process reaper" thread
 * sits in waitpid for each child.
 */
public final class Detached {
    private Detached() {}

    /**
     * Starts {@code argv} detached, in {@code dir} (null: coi's) with {@code env} added to coi's
     * environment, stdin from /dev/null and stdout and stderr to {@code output}; returns once it is
     * forked. Fails when setsid cannot run; a program that cannot start fails in the grandchild, unseen.
     */
    public static void start(List<String> argv, Path dir, Map<String, String> env, ProcessBuilder.Redirect output) throws IOException {
        List<String> command = new ArrayList<>(List.of("setsid", "--fork"));
        command.addAll(argv);
        ProcessBuilder pb = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(output).redirectErrorStream(true);
        if (dir != null) pb.directory(dir.toFile());
        pb.environment().putAll(env);
        Process setsid = pb.start();
        try {
            setsid.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while starting " + argv.getFirst(), e);
        }
    }
}
