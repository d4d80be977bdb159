package coi.session;

import coi.CoiException;
import coi.incus.InstanceFiles;
import coi.tool.Tool;
import java.util.List;

/**
 * Whether the image has the tool: a missing tool is one clear line and no container, not a
 * session whose tmux shows "command not found". Asked of the created container through the file
 * API before it starts (it reads a stopped container's root file system), or, where code's home
 * is made in the tmux exec ({@link CodeHome#inTmuxExec}), by that exec's own shell.
 */
final class ToolPresence {
    /** Where `bash -l` as code looks for a command, in the order a Debian login shell does, plus ~/.local/bin and ~/bin. */
    static final List<String> PATH = List.of("/usr/local/bin", "/usr/bin", "/bin", "/usr/local/sbin", "/usr/sbin", "/sbin",
            SessionPlan.CODE_HOME + "/.local/bin", SessionPlan.CODE_HOME + "/bin");

    private ToolPresence() {}

    static void require(InstanceFiles files, Tool tool, String binary, String image) {
        for (String path : candidates(binary)) {
            if (files.stat(path) != null) return;
        }
        throw missing(tool, binary, image);
    }

    /** The paths where the tool may be: the binary itself when it names a path, else the binary in each folder of {@link #PATH}. */
    static List<String> candidates(String binary) {
        return binary.contains("/") ? List.of(binary) : PATH.stream().map(dir -> dir + "/" + binary).toList();
    }

    static CoiException missing(Tool tool, String binary, String image) {
        return new CoiException(tool.name() + " is not in image '" + image + "' (no " + (binary.contains("/") ? binary
                : "`" + binary + "` on its PATH") + "): " + tool.installHint()
                + "; or use an image that has it (`coi build custom NAME --script FILE`, then `--image NAME`)");
    }
}
