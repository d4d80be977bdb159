package coi.cli;

import coi.UsageException;
import coi.container.RemotePath;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "file", description = "Copy files between the host and a container.",
        subcommands = {FileCommand.Push.class, FileCommand.Pull.class})
final class FileCommand implements Runnable {
    @Override
    public void run() {
        throw new UsageException("missing subcommand: push or pull");
    }

    @Command(name = "push", description = {"Copy a host file (or with -r a directory) into a container.",
            "Like cp: an existing directory target receives the source under its own name. Modes are kept.",
            "Links are not followed: one at SRC is refused (name what it points to), one below it is copied as a link;",
            "a relative SRC is walked from here without following a link on the way (an absolute one is taken as given)."})
    static final class Push implements Callable<Integer> {
        private final Context context;
        @Option(names = {"-r", "--recursive"}, description = "Push a folder and everything in it.") boolean recursive;
        @Option(names = "--uid", defaultValue = "0", description = "Owner inside the container (default ${DEFAULT-VALUE}).") int uid;
        @Option(names = "--gid", defaultValue = "0", description = "Group inside the container (default ${DEFAULT-VALUE}).") int gid;
        @Option(names = "--mode", paramLabel = "OCTAL", description = "File mode, e.g. 0644 (default: the host file's).") String mode;
        @Parameters(index = "0", paramLabel = "SRC") Path source;
        @Parameters(index = "1", paramLabel = "CONTAINER:PATH") String target;
        @Mixin Quiet quiet;
        @Spec CommandSpec spec;

        Push(Context c) { context = c; }

        public Integer call() {
            RemotePath to = RemotePath.parse(target);
            int m;
            try {
                m = mode == null ? -1 : Integer.parseInt(mode, 8);
            } catch (NumberFormatException e) {
                throw new UsageException("--mode must be octal like 0644, not '" + mode + "'");
            }
            context.services().containers().push(source, to, recursive, uid, gid, m);
            quiet.say(spec.commandLine().getOut(), "Pushed " + (recursive ? "directory " : "file ") + source + " -> " + target);
            return 0;
        }
    }

    @Command(name = "pull", description = {"Copy a file (or with -r a directory) out of a container.",
            "Like cp: an existing local directory receives it under its own name. Modes are kept.",
            "A file replaces what is at its place (a link is replaced, not written through); no folder is pulled into a link;",
            "a link at DEST is refused (name what it points to), and so is one on the way of a relative DEST",
            "(an absolute one is taken as given). What the container holds is the agent's: a pull writes at most",
            "--max-size in all (a sparse file can claim terabytes)."})
    static final class Pull implements Callable<Integer> {
        private final Context context;
        @Option(names = {"-r", "--recursive"}, description = "Pull a folder and everything in it.") boolean recursive;
        @Option(names = "--max-size", paramLabel = "SIZE", defaultValue = "10GiB",
                description = "The most a pull writes, all files together, like 500MiB or 20GB; none: no limit (default ${DEFAULT-VALUE}).")
        String maxSize;
        @Parameters(index = "0", paramLabel = "CONTAINER:PATH") String source;
        @Parameters(index = "1", paramLabel = "DEST") Path dest;
        @Mixin Quiet quiet;
        @Spec CommandSpec spec;

        Pull(Context c) { context = c; }

        public Integer call() {
            long max = bytes(maxSize);
            context.services().containers().pull(RemotePath.parse(source), dest, recursive, max);
            quiet.say(spec.commandLine().getOut(), "Pulled " + (recursive ? "directory " : "file ") + source + " -> " + dest);
            return 0;
        }
    }

    private static final java.util.regex.Pattern SIZE = java.util.regex.Pattern.compile("([0-9]{1,15})(|B|[kKMGT](?:i?B)?)");

    /**
     * {@code --max-size}: bytes, or a number with a unit (k, M, G, T; KiB..TiB are powers of 1024, kB..TB and
     * the bare letters of 1000, as Incus reads sizes); "none" is no limit.
     */
    static long bytes(String size) {
        if ("none".equals(size)) return Long.MAX_VALUE;
        var m = SIZE.matcher(size);
        if (!m.matches()) throw new UsageException("--max-size must be a size like 500MiB, 20GB or 1000000 (bytes), or none; got \"" + size + "\"");
        String unit = m.group(2);
        long base = unit.contains("i") ? 1024 : 1000;
        int power = unit.isEmpty() || unit.equals("B") ? 0 : "KMGT".indexOf(Character.toUpperCase(unit.charAt(0))) + 1;
        long n = Long.parseLong(m.group(1));
        for (int i = 0; i < power; i++) {
            if (n > Long.MAX_VALUE / base) throw new UsageException("--max-size " + size + " is more than any disk holds: give none for no limit");
            n *= base;
        }
        if (n == 0) throw new UsageException("--max-size must be more than 0 (none: no limit); got \"" + size + "\"");
        return n;
    }
}
