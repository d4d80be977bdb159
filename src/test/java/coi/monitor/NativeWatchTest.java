package coi.monitor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The native monitor's watch over time (src/main/c/monitor.c), through its C test program
 * (src/test/c/native-watch-test.c with the scripted look double src/test/c/look-double.c), built with the
 * very gcc flags of pom.xml's build-waiter: the targets file parser, the dedup, the guard's and the window's
 * detectors with DetectorsTest's numbers and titles, the workspace traffic, the fence counters read through
 * nf_tables' netlink from a table of the test's own ({@code inet coitest-nl-watch-PID}, made with nft and deleted
 * afterwards, here too whatever became of the program), the cgroup kill, and a whole watch (real process events,
 * fanotify on a tmpfs, THREATS_FILE). It needs root (fanotify, the process events connector, mounting a tmpfs,
 * nftables), as the suite has in CI.
 */
class NativeWatchTest {
    @TempDir Path dir;

    @Test
    void theNativeWatchPassesItsCProgram() throws Exception {
        boolean root = "root".equals(System.getProperty("user.name"));
        // CI runs the suite as root: there the test must run, never skip itself into green
        assertThat(root || System.getenv("CI") == null).as("the native watch's test needs root in CI").isTrue();
        assumeTrue(root, "the native watch's test needs root (fanotify, process events, tmpfs)");
        Path home = Path.of(System.getProperty("user.dir"));
        Path program = dir.resolve("native-watch-test");
        List<String> gcc = new ArrayList<>(List.of("gcc"));
        gcc.addAll(waiterFlags(home.resolve("pom.xml")));
        gcc.addAll(List.of("-o", program.toString(), home.resolve("src/test/c/native-watch-test.c").toString(),
                home.resolve("src/test/c/look-double.c").toString()));
        Run built = run(gcc, 120);
        assertThat(built.code).as("gcc %s\n%s", gcc, built.output).isZero();

        Path scratch = dir.resolve("scratch");
        String table = "coitest-nl-watch-" + ProcessHandle.current().pid();
        Run tested;
        try {
            tested = run(List.of(program.toString(), scratch.toString(), table), 120);
        } finally {
            unmountUnder(scratch);
            dropTable(table);
        }
        assertThat(tested.output).as(tested.output).contains(" checks, 0 failed");
        assertThat(tested.code).as(tested.output).isZero();
        Matcher checks = Pattern.compile("native watch: (\\d+) checks").matcher(tested.output);
        assertThat(checks.find()).as(tested.output).isTrue();
        assertThat(Integer.parseInt(checks.group(1))).as("the program ran all its checks").isGreaterThan(150);
    }

    /** The compiler flags of pom.xml's build-waiter execution (everything but -o and the files). */
    static List<String> waiterFlags(Path pom) throws IOException {
        String xml = Files.readString(pom);
        int at = xml.indexOf("<id>build-waiter</id>");
        assertThat(at).as("pom.xml has the build-waiter execution").isPositive();
        String args = xml.substring(at, xml.indexOf("</arguments>", at));
        List<String> flags = new ArrayList<>();
        Matcher m = Pattern.compile("<argument>([^<]*)</argument>").matcher(args);
        while (m.find()) {
            String a = m.group(1);
            if (a.startsWith("-") && !a.equals("-o")) flags.add(a);
        }
        assertThat(flags).contains("-Werror", "-O2");
        return flags;
    }

    private record Run(int code, String output) {}

    private static Run run(List<String> command, int seconds) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(command.getFirst() + " did not finish within " + seconds + " s");
        }
        return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    /** The program's nft table, if it is still there (the program was killed before it could delete it). */
    private static void dropTable(String table) throws Exception {
        if (run(List.of("nft", "list", "table", "inet", table), 30).code == 0) {
            Run dropped = run(List.of("nft", "delete", "table", "inet", table), 30);
            assertThat(dropped.code).as("nft delete table inet %s: %s", table, dropped.output).isZero();
        }
    }

    /** A tmpfs the program left mounted under the scratch dir (it crashed): off, so @TempDir can go. */
    private static void unmountUnder(Path scratch) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/mounts"))) {
            String[] f = line.split(" ");
            if (f.length > 1 && f[1].startsWith(scratch.toString())) run(List.of("umount", "-l", f[1]), 30);
        }
    }
}
