package coi.session;

import coi.CoiException;
import coi.incus.InstanceFiles;
import coi.tool.Tool;
import java.util.List;

/**
 * Whether the image has the tool, asked of the created container before it ever starts (the
 * file API reads a stopped container's root file system): a missing tool is one clear line and
 * no container, not a session whose tmux shows "command not found".
 */
final class ToolPresence {
    /** Where `bash -l` as code looks for a command, in the order a Debian login shell does, plus ~/.local/bin and ~/bin. */
    static final List<String> PATH = List.of("/usr/local/bin", "/usr/bin", "/bin", "/usr/local/sbin", "/usr/sbin", "/sbin",
            SessionPlan.CODE_HOME + "/.local/bin", SessionPlan.CODE_HOME + "/bin");

    private ToolPresence() {}

    static void require(InstanceFiles files, Tool tool, String binary, String image) {
        List<String> candidates = binary.contains("/") ? List.of(binary) : PATH.stream().map(dir -> dir + "/" + binary).toList();
        for (String path : candidates) {
            if (files.stat(path) != null) return;
        }
        throw new CoiException(tool.name() + " is not in image '" + image + "' (no " + (binary.contains("/") ? binary
                : "`" + binary + "` on its PATH") + "): " + tool.installHint()
                + "; or use an image that has it (`coi build custom NAME --script FILE`, then `--image NAME`)");
    }
}
