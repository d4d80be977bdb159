package coi.cli;

import coi.session.SessionPlan;
import coi.session.Sessions;
import java.io.PrintWriter;

/** `--dry-run`: the plan as a user reads it, or as JSON for scripts. */
final class PlanPrinter {
    private PlanPrinter() {}

    /** {@code command}: what `coi run` would run (its words as given), null for a shell. */
    static void print(PrintWriter out, SessionPlan plan, Output format, java.util.List<String> command) {
        if (format == Output.JSON) {
            if (command == null) Output.json(out, plan);
            else {
                com.fasterxml.jackson.databind.node.ObjectNode tree = coi.incus.Json.MAPPER.valueToTree(plan);
                tree.set("command", coi.incus.Json.MAPPER.valueToTree(Sessions.runArgv(command)));
                Output.json(out, tree);
            }
            return;
        }
        out.println("container   " + plan.container() + " (slot " + plan.slot() + ", " + (plan.persistent() ? "persistent" : "ephemeral") + ")");
        out.println("workspace   " + plan.workspace() + " -> " + SessionPlan.WORKSPACE_MOUNT + " (" + plan.ownership() + ")");
        out.println("image       " + plan.image());
        out.println("network     " + plan.networkMode() + (plan.fenced() ? " (fenced on the host)" : "")
                + (plan.allowlist().isEmpty() ? "" : ": " + String.join(", ", plan.allowlist())));
        out.println("code user   uid " + plan.code().uid() + ", gid " + plan.code().gid());
        out.println("launch      " + plan.disposition().name().toLowerCase().replace('_', ' '));
        if (command != null) out.println("command     " + Sessions.runLine(command));
        if (plan.tool() != null) {
            out.println("tool        " + plan.tool() + ": "
                    + (plan.toolCommand().isEmpty() ? "bash -l in its place (--debug)" : String.join(" ", plan.toolCommand())));
            out.println("session     " + plan.sessionId() + (plan.resumed() ? " (resumed)" : " (new)"));
            out.println("state       " + plan.stateDir() + " -> " + plan.stateMount());
        }
        plan.devices().forEach((name, dev) -> out.println("device      " + name + " " + dev));
        new java.util.TreeMap<>(plan.config()).forEach((k, v) -> out.println("config      " + k + "=" + v.replace("\n", "\\n")));
        out.flush();
    }
}
