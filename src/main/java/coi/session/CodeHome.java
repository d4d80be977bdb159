package coi.session;

import coi.CoiException;
import coi.incus.ExecRequest;
import coi.incus.IncusClient;
import coi.incus.Model;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * code's home as coi leaves it before anything runs as code. When the container starts, Incus
 * creates every missing mount point under the home, and the folders above it, owned by root: a
 * tool whose state dir is {@code ~/.local/share/opencode} then cannot create {@code ~/.local/state}.
 * So, once the container runs (every mount in place, in whatever order Incus made them), root
 * hands each folder between the home and a mount point that is still root's to code, makes
 * {@code ~/.tmux}, and writes {@code ~/SANDBOX_CONTEXT.md}: one exec, before the tool starts.
 */
final class CodeHome {
    static final String HOME = SessionPlan.CODE_HOME;
    static final String CONTEXT_FILE = HOME + "/SANDBOX_CONTEXT.md";

    private CodeHome() {}

    static void prepare(IncusClient incus, SessionPlan plan) {
        Model.ExecResult r = incus.execCapture(plan.container(),
                ExecRequest.of("sh", "-c", script(plan, plan.code(), SandboxContext.render(plan))));
        if (r.exitCode() != 0) {
            throw new CoiException("could not prepare /home/code in " + plan.container() + ": " + r.err().trim());
        }
        coi.Trace.mark("home: prepared");
    }

    /**
     * The home and every folder strictly between it and a mount point under it (a disk's path, a
     * proxy's socket), shallowest first. The mount points themselves show the host folder's owner.
     */
    static List<String> mountParents(SessionPlan plan) {
        TreeSet<String> dirs = new TreeSet<>(List.of(HOME));
        for (Map<String, String> device : plan.devices().values()) {
            String target = target(device);
            if (target == null || !target.startsWith(HOME + "/")) continue;
            for (int slash = target.indexOf('/', HOME.length() + 1); slash > 0; slash = target.indexOf('/', slash + 1)) {
                dirs.add(target.substring(0, slash));
            }
        }
        return List.copyOf(dirs);
    }

    private static String target(Map<String, String> device) {
        return switch (device.getOrDefault("type", "")) {
            case "disk" -> device.get("path");
            case "proxy" -> device.getOrDefault("listen", "").startsWith("unix:") ? device.get("listen").substring(5) : null;
            default -> null;
        };
    }

    /**
     * Runs as root in a container no agent has run in yet. Only folders still owned by root change
     * hands (a mounted host folder keeps its owner), and {@code -h} and {@code -type d} leave
     * links alone.
     */
    static String script(SessionPlan plan, CodeUser code, String context) {
        String owner = code.uid() + ":" + code.gid();
        return "set -eu\n"
                + "find " + Shell.join(mountParents(plan)) + " -maxdepth 0 -type d -uid 0 -exec chown -h " + owner + " {} +\n"
                + "install -d -o " + code.uid() + " -g " + code.gid() + " -m 0700 " + HOME + "/.tmux\n"
                + "rm -f " + CONTEXT_FILE + "\n"
                + "printf '%s' " + Shell.quote(context) + " > " + CONTEXT_FILE + "\n"
                + "chown " + owner + " " + CONTEXT_FILE + "\n"
                + "chmod 0644 " + CONTEXT_FILE + "\n";
    }
}
