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
        else out.printf("%-16s %-8s %-10s %-15s %-10s %-20s %-16s %s%n", "NAME", "STATUS", "MODE", "IPV4", "NETWORK", "CREATED", "IMAGE", "WORKSPACE");
        for (var e : entries) {
            out.printf("%-16s %-8s %-10s %-15s %-10s %-20s %-16s %s%s%n", e.name(), e.status(), e.mode(), e.ipv4() == null ? "-" : e.ipv4(),
                    e.network() == null ? "-" : e.network() + (e.blocked() > 0 ? " (" + e.blocked() + " blocked)" : ""), e.created() == null ? "-" : e.created().substring(0, Math.min(19, e.created().length())),
                    e.alias() == null ? "-" : e.alias(), e.workspace() == null ? "-" : e.workspace(), monitorNote(e));
        }
        if (all) {
            out.println();
            if (saved.isEmpty()) out.println("no saved sessions");
            else out.printf("%-36s %-8s %-8s %-20s %s%n", "SESSION", "TOOL", "STATUS", "SAVED", "WORKSPACE");
            for (var m : saved) {
                out.printf("%-36s %-8s %-8s %-20s %s%n", m.sessionId(), m.tool(), m.status(),
                        m.savedAt().substring(0, Math.min(19, m.savedAt().length())), m.workspace());
            }
        }
        out.flush();
    }

    /** After the workspace: whether the monitor watches it and why it froze it. */
    static String monitorNote(SessionAdmin.Entry e) {
        if (e.frozenBy() != null) return "  [monitored; frozen by the monitor: " + e.frozenBy() + "; `coi resume " + e.name() + "` thaws it]";
        return e.monitored() ? "  [monitored]" : "";
    }
}
