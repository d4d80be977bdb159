package coi.session;

import coi.CoiException;
import coi.incus.ExecRequest;
import coi.incus.IncusClient;
import coi.incus.InstanceFiles;
import coi.incus.Model;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * code's home as coi leaves it before anything runs as code. When the container starts, Incus
 * creates every missing mount point under the home, and the folders above it, owned by root: a
 * tool whose state dir is {@code ~/.local/share/opencode} then cannot create {@code ~/.local/state}.
 * So, once the container runs (every mount in place, in whatever order Incus made them), root
 * hands each folder between the home and a mount point that is still root's to code, makes
 * {@code ~/.tmux}, and writes {@code ~/SANDBOX_CONTEXT.md}, before the tool starts.
 *
 * <p>Through the file API, which starts no process in the container (an exec costs a few hundred
 * milliseconds in a container that is still booting; a file call, a few once the daemon's file
 * server for the container runs): the folders are looked at, {@code ~/.tmux} made and the context
 * written. Only when a folder must change hands (the file API does not chown what exists), or
 * {@code ~/.tmux} is there but not code's private folder, does one exec as root fix them.
 *
 * <p>A new session whose devices put nothing below the home but mount points right under it (the
 * default: the workspace, the tool's state dir) has no folder to hand over: the exec that starts
 * its tmux makes the rest as code first ({@link #inTmuxExec}), and the file API, whose first call
 * into a container costs the daemon a process of its own (some 170 ms), is not asked at all.
 */
final class CodeHome {
    static final String HOME = SessionPlan.CODE_HOME;
    static final String CONTEXT_FILE = HOME + "/SANDBOX_CONTEXT.md";
    static final String TMUX_DIR = HOME + "/.tmux";

    /** Exit codes of {@link #inTmuxExec}'s shell: the tool is not in the image; the home needs root ({@link #prepare}). */
    static final int TOOL_MISSING = 93, NEEDS_ROOT = 94;

    /**
     * Run as code before tmux starts: the tool looked for, {@code ~/.tmux} made code's private
     * folder, the context written. Everything it is given comes as arguments ({@code $1} the
     * context, {@code $2} the count of tool paths, the paths, then the command to exec), so no
     * text of the plan becomes shell code. A home that is not code's, or a {@code ~/.tmux} or
     * context file code cannot make so, exits {@link #NEEDS_ROOT} before anything starts.
     */
    private static final String IN_EXEC = "set -u\n"
            + "umask 022\n"
            + "ctx=$1 n=$2\n"
            + "shift 2\n"
            + "found=\n"
            + "[ \"$n\" -gt 0 ] || found=yes\n"
            + "while [ \"$n\" -gt 0 ]; do [ -e \"$1\" ] && found=yes; n=$((n - 1)); shift; done\n"
            + "[ -n \"$found\" ] || exit " + TOOL_MISSING + "\n"
            + "home=" + Shell.quote(HOME) + " tmux=" + Shell.quote(TMUX_DIR) + " context=" + Shell.quote(CONTEXT_FILE) + "\n"
            + "[ -d \"$home\" ] && [ ! -L \"$home\" ] && [ -O \"$home\" ] || exit " + NEEDS_ROOT + "\n"
            // a new container from an image usually has neither: then nothing but one mkdir runs before tmux
            + "if [ -e \"$tmux\" ] || [ -L \"$tmux\" ]; then\n"
            + "  [ -d \"$tmux\" ] && [ ! -L \"$tmux\" ] && [ -O \"$tmux\" ] && chmod 0700 \"$tmux\" || exit " + NEEDS_ROOT + "\n"
            + "else\n"
            + "  mkdir -m 0700 \"$tmux\" || exit " + NEEDS_ROOT + "\n"
            + "fi\n"
            // whatever the image has there (a link too) goes first: the file is code's, with the plan's text
            + "if [ -e \"$context\" ] || [ -L \"$context\" ]; then rm -f \"$context\" || exit " + NEEDS_ROOT + "; fi\n"
            + "printf '%s' \"$ctx\" > \"$context\" || exit " + NEEDS_ROOT + "\n"
            + "exec \"$@\"\n";

    private CodeHome() {}

    /**
     * Whether the exec that starts the tool's tmux can make the home ({@link #inTmuxExec}): no
     * device mounts over what it writes or below a folder under the home, so no folder there is
     * root's for the start to have made, and nothing needs root.
     */
    static boolean madeInTmuxExec(SessionPlan plan) {
        return mountParents(plan).equals(List.of(HOME)) && !mountedOver(plan);
    }

    /** {@code command}, run as code, after the tool's presence is checked and code's home made; see {@link #IN_EXEC}. */
    static List<String> inTmuxExec(SessionPlan plan, List<String> command) {
        List<String> tool = plan.toolCommand().isEmpty() ? List.of() : ToolPresence.candidates(plan.toolCommand().getFirst());
        List<String> argv = new ArrayList<>(List.of("sh", "-c", IN_EXEC, "coi-home", SandboxContext.render(plan),
                String.valueOf(tool.size())));
        argv.addAll(tool);
        argv.addAll(command);
        return argv;
    }

    /** In the running container, every mount in place. */
    static void prepare(IncusClient incus, SessionPlan plan) {
        InstanceFiles files = incus.files(plan.container());
        boolean rootOwned = mountParents(plan).stream().map(files::stat).anyMatch(CodeHome::rootsFolder);
        boolean tmuxWrong = !tmuxAndContext(files, plan);
        if (rootOwned || tmuxWrong) {
            Model.ExecResult r = incus.execCapture(plan.container(), ExecRequest.of("sh", "-c", script(plan, plan.code())));
            if (r.exitCode() != 0) {
                throw new CoiException("could not prepare /home/code in " + plan.container() + ": " + r.err().trim());
            }
        }
        coi.Trace.mark("home: prepared");
    }

    /**
     * In the created container before its first start, while the file API reads its root file
     * system (the tool's presence is asked the same way): the folders Incus would make root's at
     * the start are made code's now, so the start finds them and the running container needs
     * nothing more. Returns whether the home is ready; when it is not, {@link #prepare} after the
     * start does it all: a device mounts over a path this pass would write (what the start puts
     * there shows only once it runs), or the image holds a folder of root's or something else than
     * a folder where one goes.
     */
    static boolean prepareBeforeStart(IncusClient incus, SessionPlan plan) {
        if (mountedOver(plan)) return false;
        InstanceFiles files = incus.files(plan.container());
        List<String> missing = new ArrayList<>();
        for (String dir : mountParents(plan)) {
            Model.FileInfo info = files.stat(dir);
            if (info == null) missing.add(dir);
            else if (!info.directory() || info.uid() == 0) return false;
        }
        CodeUser code = plan.code();
        // shallowest first (mountParents' order): each one's parent is there when it is made
        for (String dir : missing) files.mkdir(dir, code.uid(), code.gid(), 0755);
        boolean ready = tmuxAndContext(files, plan);
        if (ready) coi.Trace.mark("home: prepared before the start");
        return ready;
    }

    /** Whether a disk device's mount point is, or lies above, a path {@link #prepareBeforeStart} writes. */
    static boolean mountedOver(SessionPlan plan) {
        List<String> written = new ArrayList<>(mountParents(plan));
        written.addAll(List.of(TMUX_DIR, CONTEXT_FILE));
        return plan.devices().values().stream()
                .filter(d -> "disk".equals(d.get("type")) && d.get("path") != null && !d.get("path").equals("/"))
                .map(d -> d.get("path").replaceAll("/+$", ""))
                .anyMatch(mount -> written.stream().anyMatch(w -> w.equals(mount) || w.startsWith(mount + "/")));
    }

    /**
     * ~/.tmux made code's private folder when missing, and the context written as code's; returns
     * false when ~/.tmux is there but not so (the file API does not change what exists).
     */
    private static boolean tmuxAndContext(InstanceFiles files, SessionPlan plan) {
        CodeUser code = plan.code();
        Model.FileInfo tmux = files.stat(TMUX_DIR);
        if (tmux == null) files.mkdir(TMUX_DIR, code.uid(), code.gid(), 0700);
        // a write follows a link and keeps an existing file's owner: whatever the image has there goes first
        if (files.stat(CONTEXT_FILE) != null) files.delete(CONTEXT_FILE);
        files.write(CONTEXT_FILE, SandboxContext.render(plan).getBytes(StandardCharsets.UTF_8), code.uid(), code.gid(), 0644);
        return tmux == null || tmux.directory() && tmux.uid() == code.uid() && (tmux.mode() & 0777) == 0700;
    }

    private static boolean rootsFolder(Model.FileInfo info) {
        return info != null && info.directory() && info.uid() == 0;
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
    static String script(SessionPlan plan, CodeUser code) {
        String owner = code.uid() + ":" + code.gid();
        return "set -eu\n"
                + "find " + Shell.join(mountParents(plan)) + " -maxdepth 0 -type d -uid 0 -exec chown -h " + owner + " {} +\n"
                + "install -d -o " + code.uid() + " -g " + code.gid() + " -m 0700 " + TMUX_DIR + "\n";
    }
}
