package coi.cli;

import static org.assertj.core.api.Assertions.assertThat;

import coi.QuickAnswers;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The original's spellings kept, and flags that would be silently ignored refused. */
class ConventionsTest {
    @TempDir
    Path dir;

    private Map<String, String> env() {
        return Map.of("HOME", dir.toString(), "PWD", dir.toString(), "COI_INCUS_SOCKET", dir.resolve("no.socket").toString());
    }

    /** Each command line is accepted: it gets as far as the daemon, which is absent here (exit 1, the socket named). */
    private void reachTheDaemon(String[]... commands) {
        for (String[] args : commands) {
            Answer answer = Answer.ordinary(env(), args);
            assertThat(answer.code()).as(String.join(" ", args) + ": " + answer.err()).isEqualTo(1);
            assertThat(answer.err()).as(String.join(" ", args)).contains("no.socket");
        }
    }

    /** The command line is a usage error (exit 2) saying {@code message}. */
    private void usageError(String message, String... args) {
        Answer answer = Answer.ordinary(env(), args);
        assertThat(answer.code()).as(String.join(" ", args) + ": " + answer.err()).isEqualTo(2);
        assertThat(answer.err()).contains(message);
    }

    @Test
    void versionIsAlsoASubcommandAndMinusV() {
        // the original's spellings and lines: `coi version` prints its banner, the flags "coi version X"
        String version = Answer.ordinary(env(), "--version").out();
        assertThat(version).matches("coi version \\S+\n");
        assertThat(Answer.ordinary(env(), "version").out()).isEqualTo(version.replace("coi version ", "code-on-incus (coi) v"));
        for (String spelling : new String[] {"version", "-v", "-V"}) {
            Answer answer = Answer.ordinary(env(), spelling);
            String expected = spelling.equals("version") ? version.replace("coi version ", "code-on-incus (coi) v") : version;
            assertThat(answer.code()).as(spelling).isZero();
            assertThat(answer.out()).as(spelling).isEqualTo(expected);
            ByteArrayOutputStream quick = new ByteArrayOutputStream();
            assertThat(QuickAnswers.answer(new String[] {spelling}, new PrintStream(quick, true))).as(spelling).isZero();
            assertThat(quick.toString()).as(spelling).isEqualTo(expected);
        }
    }

    @Test
    void subcommandsOfferNoVersionFlagThatPrintsNothing() {
        for (String[] args : new String[][] {{"pool", "status", "--help"}, {"audit", "--help"}, {"monitor", "--help"}, {"setup", "--help"}}) {
            Answer help = Answer.ordinary(env(), args);
            assertThat(help.code()).as(String.join(" ", args)).isZero();
            assertThat(help.out()).as(String.join(" ", args)).contains("--help").doesNotContain("--version");
        }
        Answer pool = Answer.ordinary(env(), "pool", "status", "-V");
        assertThat(pool.code()).isEqualTo(2);
        assertThat(pool.err()).contains("Unknown option: '-V'");
    }

    @Test
    void shellFormatJsonWithoutDryRunIsAUsageErrorNotASessionRunsIsItsOutput() {
        usageError("--format json prints the plan of `coi shell --dry-run` only", "shell", "--format", "json");
        assertThat(Answer.ordinary(env(), "shell", "--format", "json").err()).doesNotContain("no.socket");
        // run: the original's JSON output (a real run, so here it reaches the absent daemon), its --timeout and "pretty"
        reachTheDaemon(new String[] {"run", "--format", "json", "--", "true"}, new String[] {"run", "--capture", "--timeout", "5", "true"},
                new String[] {"run", "--format", "pretty", "--dry-run", "true"});
        usageError("--timeout must be a number of seconds above 0", "run", "--timeout", "0", "true");
    }

    /** The original's spellings reach the daemon (absent here), where before they were refused as usage errors. */
    @Test
    void theOriginalsSessionFlagSpellingsAreAccepted() {
        reachTheDaemon(new String[] {"shell", "--background", "--dry-run"}, new String[] {"shell", "--slot", "0", "--dry-run"},
                new String[] {"shell", "--continue=abc123", "--dry-run"}, new String[] {"shell", "--resume=auto", "--dry-run"},
                new String[] {"images", "-a"}, new String[] {"image", "list", "--format", "table"});
        usageError("--continue is another name of --resume: give one of them", "shell", "--continue", "--resume", "--dry-run");
        usageError("slot 11 is out of range", "shell", "--slot", "11", "--dry-run");
    }

    @Test
    void valuesIncusWouldRefuseAtTheCreateAreUsageErrorsBeforeIt() {
        for (String[] args : new String[][] {{"shell", "--limit-cpu", "0", "--dry-run"}, {"shell", "--limit-memory", "0", "--dry-run"},
                {"run", "--limit-memory", "0GiB", "--dry-run", "--", "true"}}) {
            Answer answer = Answer.ordinary(env(), args);
            assertThat(answer.code()).as(String.join(" ", args) + ": " + answer.err()).isEqualTo(2);
            assertThat(answer.err()).as(String.join(" ", args)).doesNotContain("no.socket");
        }
        Map<String, String> badPrefix = new java.util.HashMap<>(env());
        badPrefix.put("COI_CONTAINER_PREFIX", "bad prefix/");
        Answer list = Answer.ordinary(badPrefix, "list");
        assertThat(list.code()).isEqualTo(2);
        assertThat(list.err()).contains("COI_CONTAINER_PREFIX 'bad prefix/' cannot start a container name").doesNotContain("internal error");
    }

    /** The original's root flags: session flags before any command start a shell, before a command are its. */
    @Test
    void sessionFlagsBeforeAnyCommandAreTheShells() {
        assertThat(CoiCommand.expand("--slot", "2")).containsExactly("shell", "--slot", "2");
        assertThat(CoiCommand.expand("--debug", "--remote", "r", "-w", "/p", "--persistent"))
                .containsExactly("--debug", "--remote", "r", "shell", "-w", "/p", "--persistent");
        assertThat(CoiCommand.expand("--remote=r", "--network", "open")).containsExactly("--remote=r", "shell", "--network", "open");
        assertThat(CoiCommand.expand("--slot=2", "-w", "/p")).containsExactly("shell", "--slot=2", "-w", "/p");
        for (String[] unchanged : new String[][] {{}, {"--debug"}, {"-v"}, {"--help"}, {"list", "--all"}, {"--debug", "kill", "--all"},
                {"--verison"}, {"--", "--dry-run"}}) {
            assertThat(CoiCommand.expand(unchanged)).containsExactly(unchanged);
        }
        reachTheDaemon(new String[] {"--slot", "2", "--network", "open", "--dry-run"});

        // before a command they are that command's, as the original's root flags are
        assertThat(CoiCommand.expand("-w", "/p", "run", "make")).containsExactly("run", "-w", "/p", "make");
        assertThat(CoiCommand.expand("--debug", "--slot", "2", "attach", "--bash")).containsExactly("--debug", "attach", "--slot", "2", "--bash");
        assertThat(CoiCommand.expand("--persistent", "--resume=auto", "shell", "--detach"))
                .containsExactly("shell", "--persistent", "--resume=auto", "--detach");
        assertThat(CoiCommand.expand("--workspace=/p", "--network", "open", "images")).containsExactly("images", "--workspace=/p", "--network", "open");
        assertThat(CoiCommand.expand("--slot", "2", "nope")).as("no command after them: the shell's, which reports the word")
                .containsExactly("shell", "--slot", "2", "nope");
        // the root's own options among them stay the root's; help stays with the command it asks about
        assertThat(CoiCommand.expand("-w", "/p", "--debug", "run", "make")).containsExactly("--debug", "run", "-w", "/p", "make");
        assertThat(CoiCommand.expand("--slot", "2", "--remote", "x", "attach")).containsExactly("--remote", "x", "attach", "--slot", "2");
        assertThat(CoiCommand.expand("--slot", "2", "--debug")).containsExactly("--debug", "shell", "--slot", "2");
        assertThat(CoiCommand.expand("--slot", "2", "-h")).containsExactly("shell", "--slot", "2", "-h");
        assertThat(CoiCommand.expand("-h", "list")).containsExactly("-h", "list");
        reachTheDaemon(new String[] {"-w", "/tmp", "--network", "open", "run", "--dry-run", "true"});
        usageError("Unknown options: '--slot', '2'\nTry `coi list --help`", "--slot", "2", "list");
        Answer typo = Answer.ordinary(env(), "--verison");
        assertThat(typo.code()).isEqualTo(2);
        assertThat(typo.err()).contains("Unknown option: '--verison'").contains("--version").doesNotContain("coi shell");
    }

    /** `coi shell --debug` is the original's bash instead of the tool; `coi --debug [shell]` only shows stack traces. */
    @Test
    void debugAfterShellStartsBashBeforeItOnlyShowsStackTraces() throws Exception {
        Map<String[], Boolean> cases = new java.util.LinkedHashMap<>();
        cases.put(new String[] {"shell", "--debug"}, true);
        cases.put(new String[] {"--slot", "2", "shell", "--debug", "--tmux=false"}, true);
        cases.put(new String[] {"--debug", "shell"}, false);
        cases.put(new String[] {"--debug", "--slot", "2"}, false);
        cases.put(new String[] {"--slot", "2", "--debug"}, false);
        cases.put(new String[] {"--dry-run", "--debug", "--tmux=false"}, false);
        cases.put(new String[] {"shell"}, false);
        cases.forEach((given, bash) -> {
            String[] args = CoiCommand.expand(given);
            try (Context context = new Context(env())) {
                var cli = CoiCommand.commandLine(context, args);
                cli.parseArgs(args);
                ShellCommand shell = cli.getSubcommands().get("shell").getCommand();
                assertThat(shell.bashInsteadOfTool()).as(String.join(" ", given)).isEqualTo(bash);
            }
        });
    }

    /** The original's `-e` is a comma-separated list; a value that is not a list of pairs keeps its commas. */
    @Test
    void envSplitsOnCommasOnlyBetweenPairs() {
        assertThat(SessionOptions.splitPairs(List.of("A=1,B=2", "PATHS=a,b", "C=3", "D=x,E=", "F=1,g h=2", "G=1,,H=2")))
                .containsExactly("A=1", "B=2", "PATHS=a,b", "C=3", "D=x", "E=", "F=1,g h=2", "G=1,,H=2");
    }

    @Test
    void anEmptyAuditIsSaidInTextAndNoLineInJson() {
        assertThat(Answer.ordinary(env(), "audit").out()).isEqualTo("no audit events\n");
        assertThat(Answer.ordinary(env(), "audit", "nope").out()).isEqualTo("no audit events for nope\n");
        for (String[] args : new String[][] {{"audit", "--format", "json"}, {"audit", "nope", "--format", "json"}}) {
            Answer json = Answer.ordinary(env(), args);
            assertThat(json.code()).isZero();
            assertThat(json.out()).as(String.join(" ", args)).isEmpty();
        }
    }

    /** An error quoting the agent's .coi.toml shows a control character escaped, never raw on the user's terminal. */
    @Test
    void anErrorQuotingTheProjectFileCarriesNoTerminalControl() throws Exception {
        java.nio.file.Files.writeString(dir.resolve(".coi.toml"), "[defaults]\n\"\\u001b]0;owned\\u0007\" = 1\n");
        Answer shell = Answer.ordinary(env(), "shell", "--dry-run");
        assertThat(shell.code()).isEqualTo(2);
        assertThat(shell.err()).contains(".coi.toml:2:").contains("\\u001b]0;owned\\u0007").doesNotContain("\u001b", "\u0007");
    }

    /** A description line broken mid-sentence in the source is wrapped with the next, not left as a short line. */
    @Test
    void helpWrapsASentenceBrokenInTheSourceAsOne() {
        assertThat(HelpOptions.paragraphs(new String[] {"Summary.", "Ctrl-b d detaches. `sudo poweroff` inside", "ends the session.",
                "Another paragraph.", "  coi shell   # an example", "  kept as it is"}))
                .containsExactly("Summary.", "Ctrl-b d detaches. `sudo poweroff` inside ends the session.", "Another paragraph.",
                        "  coi shell   # an example", "  kept as it is");
        String help = Answer.ordinary(env(), "shell", "--help").out();
        assertThat(help).contains("`sudo").doesNotContainPattern("poweroff` inside\\s*\\nends the session");
    }
}
