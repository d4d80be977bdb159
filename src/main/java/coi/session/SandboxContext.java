package coi.session;

import coi.network.NetworkPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code ~/SANDBOX_CONTEXT.md} in every session container ({@code coi shell} and {@code coi run}):
 * tells the agent where it is and what is true for THIS container, read from the plan that
 * created it. Each fact is one bullet made by one method; a new fact is one more method called
 * from {@link #facts}.
 */
final class SandboxContext {
    /** One bullet: "- **topic**: text". */
    record Fact(String topic, String text) {}

    private SandboxContext() {}

    static String render(SessionPlan plan) {
        StringBuilder md = new StringBuilder("# Sandbox context\n\n"
                + "You are running inside an isolated Incus system container managed by coi.\n\n");
        for (Fact fact : facts(plan)) {
            md.append("- **").append(fact.topic()).append("**: ").append(fact.text()).append('\n');
        }
        return md.toString();
    }

    static List<Fact> facts(SessionPlan plan) {
        List<Fact> facts = new ArrayList<>();
        facts.add(session(plan));
        facts.add(workspace());
        facts.add(persistence(plan));
        facts.add(user());
        facts.add(network(plan.network()));
        facts.add(limits(plan));
        readOnly(plan).ifPresent(facts::add);
        facts.addAll(extraFolders(plan));
        facts.add(monitoring(plan));
        facts.add(notAvailable(plan));
        facts.add(available());
        facts.add(ending(plan));
        return facts;
    }

    private static Fact session(SessionPlan plan) {
        return new Fact("Container", plan.tool() != null
                ? "%s (slot %d), coi session %s, tool %s.".formatted(plan.container(), plan.slot(), plan.sessionId(), plan.tool())
                : "%s (slot %d), started by `coi run` for one command.".formatted(plan.container(), plan.slot()));
    }

    private static Fact workspace() {
        return new Fact("Workspace", "the user's project is mounted at " + SessionPlan.WORKSPACE_MOUNT
                + ". Changes there are the user's own files on the host: they persist after this container is gone.");
    }

    private static Fact persistence(SessionPlan plan) {
        if (plan.persistent()) {
            return new Fact("Persistence", "persistent: this container is kept, with what you install in it, until the user"
                    + " removes it.");
        }
        String kept = plan.stateMount() != null ? SessionPlan.WORKSPACE_MOUNT + ", your tool's state directory (" + plan.stateMount()
                + ")" : SessionPlan.WORKSPACE_MOUNT;
        return new Fact("Persistence", "ephemeral: the container is deleted when it stops. Only " + kept
                + " and the mounted folders listed here survive; anything installed or written elsewhere is lost.");
    }

    private static Fact user() {
        return new Fact("User", "`code` with passwordless sudo inside the container. Root here is not root on the host.");
    }

    private static Fact network(NetworkPolicy policy) {
        // instanceof, not a pattern switch: a new session's tmux exec carries this text, and a pattern
        // switch's first run bootstraps a class of its own (milliseconds a fresh JVM's AOT cache cannot keep)
        String text;
        if (policy instanceof NetworkPolicy.Restricted) {
            text = "restricted: the internet is reachable; private networks (10/8, 172.16/12, 192.168/16, 100.64/10),"
                    + " link-local addresses including cloud metadata (169.254.169.254) and the host itself are blocked,"
                    + " except DNS and DHCP on the bridge.";
        } else if (policy instanceof NetworkPolicy.Allowlist list) {
            text = "allowlist: only these destinations are reachable: "
                    + String.join(", ", list.entries().stream().map(Object::toString).toList())
                    + ". Everything else, private networks included, is blocked.";
        } else if (policy instanceof NetworkPolicy.Open) {
            text = "open: no network restrictions.";
        } else {
            throw new IllegalStateException("a network policy without a description: " + policy.getClass().getName());
        }
        return new Fact("Network", text);
    }

    private static Fact limits(SessionPlan plan) {
        List<String> set = new ArrayList<>();
        Hardening.inForce(plan.config(), plan.devices().get("root")).forEach((k, v) -> set.add(k.equals("duration")
                ? "stopped after " + Duration.parse(v).toString().substring(2).toLowerCase() : k + " " + v));
        return new Fact("Limits", set.isEmpty() ? "none set by coi." : String.join(", ", set)
                + " (a process over the memory limit is killed; past the process limit, fork fails).");
    }

    /** The workspace paths mounted read-only over it: what the agent will find it cannot change. */
    private static Optional<Fact> readOnly(SessionPlan plan) {
        List<String> paths = Protection.mountedIn(plan).stream().map(rel -> SessionPlan.WORKSPACE_MOUNT + "/" + rel).sorted().toList();
        if (paths.isEmpty()) return Optional.empty();
        return Optional.of(new Fact("Read-only", String.join(", ", paths) + ": tools on the host act on these (git runs its"
                + " hooks and reads its config, editors and agents run their settings), so they are protected; work without"
                + " changing them."));
    }

    private static List<Fact> extraFolders(SessionPlan plan) {
        List<Fact> facts = new ArrayList<>();
        for (Map.Entry<String, Map<String, String>> e : plan.devices().entrySet()) {
            Map<String, String> d = e.getValue();
            if (e.getKey().equals("storage")) {
                facts.add(new Fact("Storage", Planner.STORAGE_MOUNT + " is a host folder that outlives every session."));
            } else if (e.getKey().startsWith("mount-")) {
                facts.add(new Fact("Mounted", d.get("path") + " is a host folder" + ("true".equals(d.get("readonly")) ? " (read-only)" : "")
                        + ": changes there are the user's files."));
            } else if (e.getKey().equals("ssh-agent")) {
                facts.add(new Fact("SSH", "the user's ssh-agent answers at $SSH_AUTH_SOCK: it signs for you; the keys stay on the host."));
            }
        }
        facts.sort((a, b) -> a.text().compareTo(b.text()));   // not Comparator.comparing, whose lambda no AOT cache keeps
        return facts;
    }

    private static Fact monitoring(SessionPlan plan) {
        if (plan.config().get(Labels.MONITOR) == null) {
            return new Fact("Monitoring", "none: coi does not watch the processes, files or traffic of this container.");
        }
        return new Fact("Monitoring", "on: coi watches this container from the host (processes, connections, file reads and"
                + " writes). A reverse shell or a fork bomb stops it, a large workspace read or write or a suspicious"
                + " connection freezes it, credential scans are reported to the user; everything is logged.");
    }

    private static Fact notAvailable(SessionPlan plan) {
        return new Fact("Not available", "the host's SSH keys" + (plan.devices().containsKey("ssh-agent") ? "" : " and ssh-agent")
                + ", git credentials, home directory, Docker daemon and environment variables (only those the user passed"
                + " are set). Ask the user if you need a credential; do not search for one.");
    }

    private static Fact available() {
        return new Fact("Available", "git, a shell, package managers; Docker runs inside this container (nested) if the image has it.");
    }

    private static Fact ending(SessionPlan plan) {
        if (plan.tool() == null) {
            return new Fact("Ending", "the container " + (plan.persistent() ? "is kept" : "is removed") + " when the command ends.");
        }
        return new Fact("Ending", "`sudo poweroff` ends the session; your tool's state is saved and `coi shell --resume` continues it.");
    }
}
