package coi.session;

import coi.incus.ExecRequest;
import coi.incus.Model;
import java.util.List;
import java.util.Map;

/**
 * The in-container user `code` by its ids: what every exec, tmux command, attach and file write
 * of a session runs as. Planned from `[incus] code_uid` and stored on the container as a label,
 * so commands that find a running container (attach, tmux, the monitor) use the same ids.
 */
public record CodeUser(int uid, int gid) {
    public static final CodeUser DEFAULT = new CodeUser(1000, 1000);

    /** The ids a coi container was created with (1000 for one made before the label existed). */
    public static CodeUser of(Model.Instance instance) {
        String uid = instance.configValue(Labels.CODE_UID);
        if (uid == null) return DEFAULT;
        try {
            int id = Integer.parseInt(uid);
            return id >= 0 ? new CodeUser(id, id) : DEFAULT;
        } catch (NumberFormatException unreadable) {
            return DEFAULT;
        }
    }

    /** {@code argv} as code, in {@code cwd}. */
    public ExecRequest exec(List<String> argv, String cwd) {
        return new ExecRequest(argv, Map.of(), uid, gid, cwd);
    }
}
