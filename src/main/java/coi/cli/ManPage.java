package coi.cli;

import coi.Version;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * coi(1) in man(7) troff, generated from the picocli command tree: every visible command,
 * subcommand, option and parameter, so commands added later appear without anyone editing a
 * page. Run at packaging time: {@code java -cp coi.jar coi.cli.ManPage > coi.1}.
 */
public final class ManPage {
    private ManPage() {}

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, false, StandardCharsets.UTF_8);
        out.print(render(CoiCommand.commandLine(new Context(Map.of()), "--help").getCommandSpec(), Version.get(), LocalDate.now()));
        out.flush();
    }

    static String render(CommandSpec root, String version, LocalDate date) {
        StringBuilder man = new StringBuilder();
        man.append(".TH COI 1 \"").append(date).append("\" \"coi ").append(esc(version)).append("\" \"User Commands\"\n");
        man.append(".SH NAME\ncoi \\- ").append(esc(first(root))).append('\n');
        man.append(".SH SYNOPSIS\n.B coi\n[\\fIOPTIONS\\fR] [\\fICOMMAND\\fR] [\\fIARGS\\fR...]\n");
        man.append(".SH DESCRIPTION\n").append(paragraphs(root.usageMessage().description()));
        man.append("Plain \\fBcoi\\fR starts a session like \\fBcoi shell\\fR. Every command answers \\fB\\-\\-help\\fR.\n");
        man.append(".SH OPTIONS\n");
        arguments(man, root);
        man.append(".SH COMMANDS\n");
        visible(root).forEach((name, sub) -> command(man, "coi " + name, sub));
        man.append("""
                .SH ENVIRONMENT
                .TP
                .B COI_INCUS_SOCKET
                The local daemon's socket (default /var/lib/incus/unix.socket).
                .TP
                .B COI_INCUS_REMOTE
                A remote of the incus CLI to use, like \\fB\\-\\-remote\\fR.
                .TP
                .B COI_INCUS_URL
                A remote daemon over HTTPS, with the incus CLI's client certificate.
                .TP
                .B COI_INCUS_TIMEOUT
                Seconds to wait for Incus to connect and to answer (default 60; connecting at most 10).
                .TP
                .B COI_CONTAINER_PREFIX
                Prefix of coi's container names (default coi\\-).
                .TP
                .B COI_CONFIG
                One more configuration file, read after the others.
                .SH FILES
                .TP
                .I /etc/coi/config.toml, ~/.config/coi/config.toml, ./.coi.toml
                Layered TOML configuration; later files win.
                .TP
                .I ~/.coi/
                Saved sessions (\\fIsessions\\-TOOL/ID/\\fR) and the watcher's log.
                .TP
                .I ~/.config/incus/config.yml
                The incus CLI's remotes, used by \\fB\\-\\-remote\\fR.
                .SH EXIT STATUS
                The command's own code for \\fBrun\\fR and \\fBcontainer exec\\fR; 2 for usage errors; 1 for other errors and for
                "no" from \\fBcontainer exists\\fR, \\fBcontainer running\\fR and \\fBimage exists\\fR; \\fBhealth\\fR answers 0, 1 or 2.
                .SH SEE ALSO
                .BR incus (1),
                .BR tmux (1)
                """);
        return man.toString();
    }

    private static void command(StringBuilder man, String path, CommandSpec spec) {
        man.append(".SS \"").append(esc(path)).append("\"\n");
        String synopsis = spec.commandLine().getHelp().synopsis(0).trim().replaceFirst("^Usage: ", "");
        man.append(".nf\n").append(lines(synopsis)).append(".fi\n");
        man.append(paragraphs(spec.usageMessage().description()));
        arguments(man, spec);
        visible(spec).forEach((name, sub) -> command(man, path + " " + name, sub));
    }

    private static void arguments(StringBuilder man, CommandSpec spec) {
        for (PositionalParamSpec p : spec.positionalParameters()) {
            if (p.hidden()) continue;
            man.append(".TP\n\\fI").append(esc(p.paramLabel())).append("\\fR\n").append(esc(description(p))).append('\n');
        }
        for (OptionSpec o : spec.options()) {
            if (o.hidden()) continue;
            String names = List.of(o.names()).stream().map(n -> "\\fB" + esc(n) + "\\fR").collect(Collectors.joining(", "));
            String label = o.arity().max() > 0 ? " \\fI" + esc(o.paramLabel()) + "\\fR" : "";
            man.append(".TP\n").append(names).append(label).append('\n').append(esc(description(o))).append('\n');
        }
    }

    private static String description(ArgSpec arg) {
        String text = String.join(" ", arg.description());
        if (arg.defaultValue() != null) text = text.replace("${DEFAULT-VALUE}", arg.defaultValue());
        if (arg.completionCandidates() != null) {
            List<String> values = new ArrayList<>();
            arg.completionCandidates().forEach(values::add);
            text = text.replace("${COMPLETION-CANDIDATES}", String.join(", ", values));
        }
        return text;
    }

    /** The visible commands under their own names (aliases would repeat them). */
    private static Map<String, CommandSpec> visible(CommandSpec spec) {
        Map<String, CommandSpec> all = CompletionCommand.visible(spec);
        all.entrySet().removeIf(e -> !e.getValue().name().equals(e.getKey()));
        return all;
    }

    private static String first(CommandSpec spec) {
        String[] d = spec.usageMessage().description();
        return d.length > 0 ? d[0] : "";
    }

    private static String paragraphs(String[] text) {
        return text.length == 0 ? "" : ".PP\n" + lines(String.join("\n", text));
    }

    private static String lines(String text) {
        return text.lines().map(l -> esc(l.strip()) + "\n").collect(Collectors.joining());
    }

    /** troff: backslashes and hyphens escaped, a line never starting with a control character. */
    static String esc(String s) {
        String e = s.replace("\\", "\\e").replace("-", "\\-");
        return e.startsWith(".") || e.startsWith("'") ? "\\&" + e : e;
    }
}
