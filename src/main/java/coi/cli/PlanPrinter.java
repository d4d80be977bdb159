package coi.cli;

import coi.session.SessionPlan;
import java.io.PrintWriter;

/** `--dry-run`: the plan as a user reads it, or as JSON for scripts. */
final class PlanPrinter {
    private PlanPrinter() {}

    static void print(PrintWriter out, SessionPlan plan, Output format) {
        if (format == Output.JSON) {
            Output.json(out, plan);
            return;
        }
        out.println("container   " + plan.container() + " (slot " + plan.slot() + ", " + (plan.persistent() ? "persistent" : "ephemeral") + ")");
        out.println("workspace   " + plan.workspace() + " -> " + SessionPlan.WORKSPACE_MOUNT + " (" + plan.ownership() + ")");
        out.println("image       " + plan.image());
        out.println("network     " + plan.networkMode() + (plan.fenced() ? " (fenced on the host)" : "")
                + (plan.allowlist().isEmpty() ? "" : ": " + String.join(", ", plan.allowlist())));
        out.println("code user   uid " + plan.code().uid() + ", gid " + plan.code().gid());
        out.println("launch      " + plan.disposition().name().toLowerCase().replace('_', ' '));
        if (plan.tool() != null) {
            out.println("tool        " + plan.tool() + ": " + String.join(" ", plan.toolCommand()));
            out.println("session     " + plan.sessionId() + (plan.resumed() ? " (resumed)" : " (new)"));
            out.println("state       " + plan.stateDir() + " -> " + plan.stateMount());
        }
        plan.devices().forEach((name, dev) -> out.println("device      " + name + " " + dev));
        plan.config().forEach((k, v) -> out.println("config      " + k + "=" + v.replace("\n", "\\n")));
        out.flush();
    }
}
