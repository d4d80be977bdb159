package coi;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * `coi --version` and `coi --help` without building the command tree: the version is in the jar's
 * manifest, the help text is rendered by picocli at build time ({@code coi.cli.HelpText}) into
 * the jar, plain and with colours. Building picocli's tree of 28 commands from their annotations
 * is what made these take four times a bare JVM's start; a user sees the same bytes either way.
 */
public final class QuickAnswers {
    static final String HELP = "/coi/help.txt";
    static final String HELP_ANSI = "/coi/help.ansi.txt";

    private QuickAnswers() {}

    /** The exit code when {@code args} is a question answered here; -1 for everything else. */
    public static int answer(String[] args, PrintStream out) {
        if (args.length != 1) return -1;
        return switch (args[0]) {
            case "--version", "-V", "-v", "version" -> {
                out.println(args[0].equals("version") ? Version.banner() : Version.line());
                out.flush();
                yield 0;
            }
            case "--help", "-h" -> help(out);
            default -> -1;
        };
    }

    private static int help(PrintStream out) {
        // picocli.ansi set by hand: leave the choice of colours to picocli itself
        if (System.getProperty("picocli.ansi") != null) return -1;
        byte[] text = resource(colours(System.getenv(), terminal()) ? HELP_ANSI : HELP);
        if (text == null) return -1;
        out.write(text, 0, text.length);
        out.flush();
        return 0;
    }

    /**
     * Whether stdin and stdout are both terminals, as {@link java.io.Console#isTerminal} (picocli's test) says, read
     * from /proc: System.console() first walks the JDK's console providers (the line editor's among them), 20 ms of a
     * `coi --help` (2026-12-08). Without /proc, the Console is asked.
     */
    static boolean terminal() {
        try {
            return terminal(Files.readSymbolicLink(Path.of("/proc/self/fd/0")).toString())
                    && terminal(Files.readSymbolicLink(Path.of("/proc/self/fd/1")).toString());
        } catch (IOException | UnsupportedOperationException e) {
            java.io.Console console = System.console();
            return console != null && console.isTerminal();
        }
    }

    /** Whether a descriptor that leads to {@code target} is a terminal: a pseudo-terminal, a virtual or serial one, the console. */
    static boolean terminal(String target) {
        return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console");
    }

    /**
     * The jar's {@code name}, read from the jar on the class path (the class loader's URL for it first makes a
     * connection object and spins a method handle: 6 ms of a `coi --help`); from the class loader when coi runs
     * from classes (the tests). Null when it is in neither.
     */
    static byte[] resource(String name) {
        return resource(System.getProperty("java.class.path", ""), name);
    }

    /** As {@link #resource(String)}, with {@code classPath} the JVM's class path. */
    static byte[] resource(String classPath, String name) {
        // a class path of one jar: that jar
        if (classPath.endsWith(".jar") && !classPath.contains(java.io.File.pathSeparator)) {
            try (ZipFile zip = new ZipFile(classPath)) {
                ZipEntry entry = zip.getEntry(name.substring(1));
                if (entry != null) {
                    try (InputStream in = zip.getInputStream(entry)) {
                        return in.readAllBytes();
                    }
                }
            } catch (IOException e) {
                // the class loader's way below
            }
        }
        try (InputStream in = QuickAnswers.class.getResourceAsStream(name)) {
            return in == null ? null : in.readAllBytes();
        } catch (IOException e) {
            return null;
        }
    }

    /** picocli's rule for colours on Linux (Help.Ansi.AUTO): NO_COLOR, CLICOLOR_FORCE, CLICOLOR=0, else a terminal. */
    static boolean colours(Map<String, String> env, boolean terminal) {
        if (env.get("NO_COLOR") != null) return false;
        String force = env.get("CLICOLOR_FORCE");
        if (force != null && !force.equals("0")) return true;
        if ("0".equals(env.get("CLICOLOR")) || "OFF".equals(env.get("ConEmuANSI"))) return false;
        return terminal;
    }
}
