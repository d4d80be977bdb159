package coi.cli;

import coi.session.SessionAdmin;
import coi.session.SessionMetadata;
import java.io.PrintWriter;
import java.util.List;

/**
 * What `coi list` prints, from {@link SessionAdmin}: one table (or JSON object) of coi's
 * containers and, with --all, one of the saved sessions. Both ways to `list`, picocli's
 * ({@link SessionCommands.ListSessions}) and the quick one ({@link QuickList}), print through here.
 */
final class ListView {
    private ListView() {}

    static void print(SessionAdmin admin, boolean all, Output output, PrintWriter out) {
        List<SessionAdmin.Entry> entries = admin.list();
        List<SessionMetadata> saved = all ? admin.savedSessions() : List.of();
        if (output == Output.JSON) {
            PlainJson.print(out, ListJson.of(entries, saved, all));
            return;
        }
        if (entries.isEmpty()) out.println("no coi containers");
        else {
            Table table = new Table("NAME", "STATUS", "MODE", "IPV4", "NETWORK", "CREATED", "IMAGE", "WORKSPACE");
            for (var e : entries) {
                table.row(e.name(), e.status(), e.mode(), e.ipv4(), e.network() == null ? null : e.network() + (e.blocked() > 0 ? " (" + e.blocked() + " blocked)" : ""),
                        seconds(e.created()), e.alias(), (e.workspace() == null ? "-" : e.workspace()) + monitorNote(e));
            }
            table.print(out);
        }
        if (all) {
            out.println();
            if (saved.isEmpty()) out.println("no saved sessions");
            else {
                Table table = new Table("SESSION", "TOOL", "STATUS", "SAVED", "WORKSPACE");
                for (var m : saved) table.row(m.sessionId(), m.tool(), m.status(), seconds(m.savedAt()), m.workspace());
                table.print(out);
            }
        }
        out.flush();
    }

    /** An ISO time to the second ({@code 2026-12-06T16:40:34}); null stays null. */
    static String seconds(String time) {
        return time == null ? null : time.substring(0, Math.min(19, time.length()));
    }

    /** After the workspace: whether the monitor watches it and why it froze it. */
    static String monitorNote(SessionAdmin.Entry e) {
        if (e.frozenBy() != null) return "  [monitored; frozen by the monitor: " + e.frozenBy() + "; `coi resume " + e.name() + "` thaws it]";
        return e.monitored() ? "  [monitored]" : "";
    }
}
