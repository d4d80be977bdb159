package coi.session;

import coi.config.Config;

/** SANDBOX_CONTEXT.md in code's home: tells the agent where it is and what it can expect. */
final class SandboxContext {
    private SandboxContext() {}

    private static String limits(SessionPlan plan) {
        var limits = Hardening.inForce(plan.config(), plan.devices().get("root"));
        if (limits.isEmpty()) return "";
        return "- Limits: " + String.join(", ", limits.entrySet().stream().map(e -> e.getKey() + " " + e.getValue()).toList())
                + " (a process over the memory limit is killed; past the process limit, fork fails).\n";
    }

    static String render(SessionPlan plan, Config config) {
        String network = switch (config.network().mode()) {
            case RESTRICTED -> "restricted: the internet is reachable; private networks (10/8, 172.16/12, 192.168/16, 100.64/10),"
                    + " link-local addresses including cloud metadata (169.254.169.254) and the host itself are blocked,"
                    + " except DNS and DHCP on the bridge.";
            case ALLOWLIST -> "allowlist: only these destinations are reachable: " + String.join(", ", config.network().allowedDomains())
                    + ". Everything else, private networks included, is blocked.";
            case OPEN -> "open: no network restrictions.";
        };
        return """
                # Sandbox context

                You are running inside an isolated Incus system container managed by coi.

                - Container: %s (slot %d), session %s, tool %s.
                - Workspace: the user's project is mounted at %s. Changes there are the user's files on the host:
                  they persist after this container is gone. Everything outside %s and your tool's state
                  directory is discarded when the session ends%s.
                %s- User: `code` (uid 1000) with passwordless sudo inside the container. Root here is not root on the host.
                - Network: %s
                - Not available: the host's SSH keys, git credentials, environment variables, home directory and
                  Docker daemon. Ask the user if you need a credential; do not search for one.
                - Available: git, a shell, package managers; Docker runs inside this container (nested), if the image has it.
                - Ending: `sudo poweroff` ends the session; the conversation is saved and can be resumed.
                """.formatted(plan.container(), plan.slot(), plan.sessionId(), plan.tool(), SessionPlan.WORKSPACE_MOUNT,
                SessionPlan.WORKSPACE_MOUNT, plan.persistent() ? " — except that this container is persistent: it is kept,"
                        + " with what you install, until the user removes it" : "",
                (plan.devices().containsKey("storage") ? "- Storage: " + Planner.STORAGE_MOUNT + " is a host folder that outlives every session.\n" : "")
                        + (plan.config().containsKey(Labels.PROTECTED) ? "- Read-only: " + String.join(", ", Protection.mountedIn(plan))
                                + " in the workspace (tools on the host run them); commit without changing them.\n" : "")
                        + limits(plan),
                network);
    }
}
