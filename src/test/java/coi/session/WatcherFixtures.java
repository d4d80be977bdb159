package coi.session;

import coi.incus.IncusClient;
import coi.testing.Sandbox;
import coi.testing.TestIncus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What the tests of the background process (the supervisor and its native waiter) read and end. */
final class WatcherFixtures {
    private WatcherFixtures() {}

    /**
     * A sandbox whose containers have a prefix of their own ({@code mark} tells the tests apart): the waiter wakes at
     * any event naming its prefix, and another test's containers (named with the shared test prefix) must not wake it here.
     */
    static final class Own implements AutoCloseable {
        final String prefix;
        final Sandbox box;

        Own(String mark) {
            prefix = Sandbox.PREFIX + mark + java.util.UUID.randomUUID().toString().substring(0, 4) + "-";
            box = new Sandbox().with("COI_CONTAINER_PREFIX", prefix);
        }

        String container(int slot) {
            return prefix + new Workspace(box.workspace).hash() + "-" + slot;
        }

        @Override
        public void close() {
            try (IncusClient incus = TestIncus.client()) {
                for (var i : incus.instances()) {
                    if (!i.name().startsWith(prefix)) continue;
                    coi.incus.Retries.delete(incus, i.name());
                    coi.network.RootFence.of().remove(i.name());
                }
            } finally {
                box.close();
            }
        }
    }

    static long rssKiB(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("\\D", ""));
        }
        throw new AssertionError("no VmRSS for " + pid);
    }

    /** The supervisor of a sandbox would outlive it (it exits 30 s after its last container). */
    static void end(long pid) {
        ProcessHandle.of(pid).ifPresent(p -> {
            p.destroy();
            p.onExit().join();
        });
    }

    static String log(Sandbox box) {
        return read(box.home.resolve(".coi/watcher.log"));
    }

    static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** Group 1 of each match in the sandbox's log, as pids. */
    static List<Long> pids(Sandbox box, Pattern pattern) {
        Matcher m = pattern.matcher(log(box));
        List<Long> pids = new ArrayList<>();
        while (m.find()) pids.add(Long.parseLong(m.group(1)));
        return pids;
    }
}
