package coi.testing;

import coi.incus.IncusClient;
import coi.incus.Model;
import coi.incus.Retries;
import coi.session.Workspace;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * One user's world for an end-to-end test: a home (so ~/.coi is the test's own), a workspace,
 * coi configured for the fake tool and the test image, containers named `coitest-...`. Closing
 * it removes every container of its workspace and its folders.
 */
public final class Sandbox implements AutoCloseable {
    /**
     * `coitest-` unless COITEST_PREFIX names a narrower one (it must start with `coitest-`), so that
     * two test runs sharing one daemon never see, clean or kill each other's session containers.
     */
    public static final String PREFIX = prefix(System.getenv("COITEST_PREFIX"));

    static String prefix(String wanted) {
        if (wanted == null || wanted.isBlank()) return "coitest-";
        if (!wanted.startsWith("coitest-")) throw new IllegalArgumentException("COITEST_PREFIX must start with coitest-: " + wanted);
        return wanted;
    }
    public final Path root;
    public final Path home;
    public final Path workspace;

    public Sandbox() {
        try {
            root = Files.createTempDirectory("coitest-sandbox");
            home = Files.createDirectories(root.resolve("home"));
            workspace = Files.createDirectories(root.resolve("project dir"));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private final Map<String, String> envOverrides = new java.util.LinkedHashMap<>();

    public Map<String, String> env() {
        Map<String, String> env = new java.util.LinkedHashMap<>(Map.of("HOME", home.toString(), "COI_CONTAINER_PREFIX", PREFIX));
        if (!envOverrides.containsKey("COI_TOOL")) env.put("COI_TOOL", "fake");
        if (!envOverrides.containsKey("COI_IMAGE")) env.put("COI_IMAGE", TestImages.fakeTool());
        env.putAll(envOverrides);
        return env;
    }

    /** Sets (or replaces) a variable of every coi this sandbox runs, e.g. COI_TOOL and COI_IMAGE for a real agent. */
    public Sandbox with(String key, String value) {
        envOverrides.put(key, value);
        return this;
    }

    /** A coi process for this sandbox, started in the workspace. */
    public CoiProcess coi() {
        CoiProcess p = new CoiProcess().in(workspace).diagnostics(this::diagnostics);
        env().forEach(p::env);
        return p;
    }

    /** The sandbox's supervisor log, audit logs and its containers' state: what a test that hangs prints. */
    public String diagnostics() {
        StringBuilder sb = new StringBuilder();
        try (Stream<Path> files = Files.walk(home.resolve(".coi"))) {
            for (Path f : files.filter(f -> f.getFileName().toString().equals("watcher.log")
                    || f.getParent().getFileName().toString().equals("audit") && f.toString().endsWith(".jsonl")).toList()) {
                List<String> lines = Files.readAllLines(f);
                sb.append("--- ").append(f).append(" (last 60 lines)\n");
                lines.subList(Math.max(0, lines.size() - 60), lines.size()).forEach(l -> sb.append(l).append('\n'));
            }
        } catch (IOException | RuntimeException e) {
            sb.append("--- cannot read the logs under ").append(home).append(": ").append(e).append('\n');
        }
        try {
            Process list = new ProcessBuilder("incus", "list", PREFIX, "-c", "nsP", "-f", "csv").redirectErrorStream(true).start();
            sb.append("--- incus list ").append(PREFIX).append('\n').append(new String(list.getInputStream().readAllBytes()));
        } catch (IOException e) {
            sb.append("--- incus list failed: ").append(e.getMessage()).append('\n');
        }
        return sb.toString();
    }

    public CoiProcess.Result run(String... args) {
        return coi().run(args);
    }

    /** A shell command line that runs coi with this sandbox's environment, for a host tmux window. */
    public String commandLine(String args) {
        StringBuilder sb = new StringBuilder("cd '" + workspace + "' && env");
        env().forEach((k, v) -> sb.append(' ').append(k).append("='").append(v).append('\''));
        return sb.append(' ').append(CoiProcess.launcher()).append(' ').append(args)
                .append("; echo COI-EXIT=$?; sleep 3600").toString();
    }

    public String container(int slot) {
        return PREFIX + new Workspace(workspace).hash() + "-" + slot;
    }

    public Path sessionsDir() {
        return home.resolve(".coi/sessions-" + envOverrides.getOrDefault("COI_TOOL", "fake"));
    }

    public List<Path> sessionDirs() {
        if (!Files.isDirectory(sessionsDir())) return List.of();
        try (Stream<Path> s = Files.list(sessionsDir())) {
            return s.sorted().toList();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Override
    public void close() {
        try (IncusClient incus = TestIncus.client()) {
            String mine = PREFIX + new Workspace(workspace).hash() + "-";
            for (Model.Instance i : incus.instances()) {
                if (i.name().startsWith(mine)) {
                    Retries.delete(incus, i.name());
                    // rules left behind would hold whichever container gets the address next
                    coi.network.RootFence.of().remove(i.name());
                }
            }
        }
        // a mount left under the sandbox (a protected view coi did not take down) outlives the test
        // for good: taken down here so the machine stays clean, and reported as the test's failure;
        // a removal coi handed off (`__reap`) may still be taking its view down, so it gets a while
        List<String> left = mountsUnder(root);
        for (long end = System.nanoTime() + 20_000_000_000L; !left.isEmpty() && System.nanoTime() < end; left = mountsUnder(root)) {
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        for (String m : left) unmount(m);
        removeTree(root);
        LEFT_FOR_EXIT.add(root);
        if (!left.isEmpty()) throw new AssertionError("the test left " + left.size() + " mount(s) under its sandbox: " + left);
    }

    /**
     * Every closed sandbox, removed once more when the test JVM ends (if nothing is mounted there): a
     * process coi handed work to (a removal's `__reap`, a pool refill) may still write into it after
     * close, e.g. its lock file in ~/.coi/locks, which left hundreds of folders in /tmp.
     */
    private static final java.util.Set<Path> LEFT_FOR_EXIT = java.util.concurrent.ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            for (Path root : LEFT_FOR_EXIT) if (Files.exists(root) && mountsUnder(root).isEmpty()) removeTree(root);
        }, "sandbox-leftovers"));
    }

    private static void removeTree(Path root) {
        for (int attempt = 0; attempt < 2 && Files.exists(root); attempt++) {
            try (Stream<Path> walk = Files.walk(root)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
            } catch (IOException | java.io.UncheckedIOException e) {
                // written into (or swept by a removal coi handed off) while it was removed: once more;
                // a temp folder left behind is harmless
            }
        }
    }

    private static void unmount(String mountPoint) {
        try {
            // outermost first: --lazy takes a whole tree, so an inner one may be gone already
            new ProcessBuilder("umount", "--lazy", mountPoint).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
        } catch (IOException e) {
            throw new AssertionError("cannot run umount", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Mount points at or below {@code dir}, outermost first (mountinfo's fifth field, octal escapes undone). */
    public static List<String> mountsUnder(Path dir) {
        String top = dir.toString();
        try {
            return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                    .map(line -> line.split(" ")[4].replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n").replace("\\134", "\\"))
                    .filter(m -> m.equals(top) || m.startsWith(top + "/"))
                    .sorted(Comparator.comparingInt(String::length))
                    .toList();
        } catch (IOException e) {
            throw new AssertionError("cannot read /proc/self/mountinfo", e);
        }
    }
}
