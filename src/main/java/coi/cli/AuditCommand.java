package coi.cli;

import coi.UsageException;
import coi.incus.Json;
import coi.monitor.AuditEvent;
import coi.monitor.AuditLog;
import coi.monitor.Level;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "audit",
        description = "Show the security monitor's audit log (~/.coi/audit/<container>.jsonl) of one container or of all.")
final class AuditCommand implements Callable<Integer> {
    private static final Pattern SINCE = Pattern.compile("(\\d+)([smhd])");
    private final Context context;
    @Spec CommandSpec spec;
    @Parameters(arity = "0..1", paramLabel = "NAME", description = "Container (default: every container with a log).") String name;
    @Option(names = {"-f", "--follow"}, description = "Keep printing new events until interrupted.") boolean follow;
    @Option(names = "--since", paramLabel = "DURATION", description = "Only events of the last DURATION, e.g. 90s, 30m, 1h, 2d.") String since;
    @Option(names = "--level", paramLabel = "LEVEL", description = "Only events at LEVEL or above: info, warning, high, critical.") String level;
    @Option(names = "--format", defaultValue = "text", description = "text or json (one object per line, as in the log).") String format;

    AuditCommand(Context context) {
        this.context = context;
    }

    @Override
    public Integer call() throws InterruptedException {
        Output output = Output.parse(format);
        OffsetDateTime from = since == null ? null : OffsetDateTime.now().minus(duration(since));
        Level min = minLevel(level);
        AuditLog log = AuditLog.under(context.config(context.cwd()).paths().sessionsDir());
        PrintWriter out = spec.commandLine().getOut();
        List<String> shown = new ArrayList<>();
        do {
            for (AuditEvent e : events(log)) {
                if (shown.contains(e.id()) || (from != null && e.time().isBefore(from)) || e.level().compareTo(min) < 0) continue;
                shown.add(e.id());
                out.println(output == Output.JSON ? new String(Json.bytes(e), StandardCharsets.UTF_8) : text(e));
            }
            // JSON is one event a line: none is no line, never a sentence a parser would choke on (a missing log reads as none)
            if (shown.isEmpty() && !follow && output == Output.TEXT) out.println("no audit events" + (name == null ? "" : " for " + name));
            out.flush();
            if (follow) Thread.sleep(250);
        } while (follow);
        return 0;
    }

    private List<AuditEvent> events(AuditLog log) {
        List<AuditEvent> all = new ArrayList<>();
        for (String container : name != null ? List.of(name) : log.containers()) all.addAll(log.read(container));
        all.sort(Comparator.comparing(AuditEvent::time));
        return all;
    }

    static String text(AuditEvent e) {
        return String.format("%-20s %-8s %-12s %-22s %s", e.timestamp().substring(0, Math.min(19, e.timestamp().length())),
                e.level().label(), e.action().label(), e.container(), coi.Printable.line(e.title()));
    }

    static Duration duration(String text) {
        Matcher m = SINCE.matcher(text.trim());
        if (!m.matches()) throw new UsageException("--since must be a duration like 90s, 30m, 1h or 2d, not '" + text + "'");
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }

    static Level minLevel(String text) {
        if (text == null) return Level.INFO;
        try {
            return Level.parse(text);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--level must be info, warning, high or critical, not '" + text + "'");
        }
    }
}
