package coi.cli;

import coi.session.SessionAdmin;
import coi.session.SessionMetadata;
import java.io.PrintWriter;
import java.util.List;

/**
 * What `coi list` prints, from {@link SessionAdmin}: the original's blocks (or its JSON object),
 * "Active Containers:" with one block per container of coi's and, with --all, "Saved Sessions:"
 * with one per saved session. A block holds the original's lines (status, IPv4, created, image,
 * workspace; saved, workspace) and coi's own after them (network, monitor; tool, status, who
 * stopped it). Both ways to
 * `list`, picocli's ({@link SessionCommands.ListSessions}) and the quick one ({@link QuickList}),
 * print through here.
 */
final class ListView {
    private ListView() {}

    static void print(SessionAdmin admin, boolean all, Output output, PrintWriter out) {
        List<SessionAdmin.Entry> entries = admin.list();
        coi.Trace.mark("list: listed");
        List<SessionMetadata> saved = all ? admin.savedSessions() : List.of();
        if (output == Output.JSON) {
            PlainJson.print(out, ListJson.of(entries, saved, all));
            return;
        }
        heading(out, "Active Containers:");
        if (entries.isEmpty()) out.println("  (none)");
        for (var e : entries) {
            out.println("  " + coi.Printable.line(e.name()) + " (" + e.mode() + ")");
            line(out, "Status", e.status());
            line(out, "IPv4", e.ipv4());
            line(out, "Created", spaced(e.created()));
            line(out, "Image", e.alias());
            line(out, "Workspace", e.workspace());
            line(out, "Network", e.network() == null ? null : e.network() + (e.blocked() > 0 ? " (" + e.blocked() + " blocked)" : ""));
            line(out, "Monitor", monitor(e));
        }
        if (all) {
            out.println();
            heading(out, "Saved Sessions:");
            if (saved.isEmpty()) out.println("  (none)");
            for (var m : saved) {
                out.println("  " + coi.Printable.line(m.sessionId()));
                line(out, "Saved", spaced(m.savedAt()));
                line(out, "Workspace", m.workspace());
                line(out, "Tool", m.tool());
                line(out, "Status", m.status());
                line(out, "Stopped by", m.stoppedBy());
            }
        }
        out.flush();
    }

    /** A heading underlined with dashes, as the original's. */
    private static void heading(PrintWriter out, String title) {
        out.println(title);
        out.println("-".repeat(title.length()));
    }

    /**
     * One "    Label: value" line of a block; none for a value not known. The value is shown
     * {@link coi.Printable#line printable}: some come from what the agent did (the threat that
     * stopped a session names its program), and none may move the cursor or fake a line.
     */
    private static void line(PrintWriter out, String label, String value) {
        if (value != null && !value.isEmpty()) out.println("    " + label + ": " + coi.Printable.line(value));
    }

    /** An ISO time to the second ({@code 2026-12-06T16:40:34}); null stays null. */
    static String seconds(String time) {
        return time == null ? null : time.substring(0, Math.min(19, time.length()));
    }

    /** A time as the original's list prints it ({@code 2026-12-06 16:40:34}, UTC); null stays null. */
    private static String spaced(String time) {
        return time == null ? null : seconds(time).replace('T', ' ');
    }

    /** Whether the monitor watches it and why it froze it; null when it does not. */
    static String monitor(SessionAdmin.Entry e) {
        if (e.frozenBy() != null) return "watched; frozen by the monitor: " + e.frozenBy() + "; `coi resume " + e.name() + "` thaws it";
        return e.monitored() ? "watched" : null;
    }
}
