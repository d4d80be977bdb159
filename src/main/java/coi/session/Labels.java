package coi.session;

/** The `user.coi.*` keys coi stores on its containers: how it recognises and describes them. */
public final class Labels {
    public static final String WORKSPACE = "user.coi.workspace";
    /**
     * The workspace folder's identity (device and inode) at the launch, when it mounts protected
     * paths: their placeholders stay while a container of that folder is left, whatever becomes of
     * the path it was started by (see {@link Placeholders}).
     */
    public static final String WORKSPACE_FOLDER = "user.coi.workspace_folder";
    public static final String SESSION = "user.coi.session";
    public static final String TOOL = "user.coi.tool";
    public static final String SLOT = "user.coi.slot";
    public static final String PERSISTENT = "user.coi.persistent";
    public static final String KIND = "user.coi.kind";
    public static final String NETWORK = "user.coi.network";
    /** allowlist mode: the entries (comma-separated) and their refresh interval in minutes. */
    public static final String ALLOWLIST = "user.coi.allowlist";
    public static final String ALLOWLIST_REFRESH = "user.coi.allowlist_refresh";
    public static final String SESSIONS_ROOT = "user.coi.sessions_root";
    /** `--limit-duration` as an ISO-8601 duration; the watcher stops the container when it is up. */
    public static final String LIMIT_DURATION = "user.coi.limit_duration";
    /** The workspace paths mounted read-only inside (comma-separated), for SANDBOX_CONTEXT.md. */
    public static final String PROTECTED = "user.coi.protected";
    /** `--monitor`: the session's [monitoring] settings as JSON; the supervisor watches containers that carry it. */
    public static final String MONITOR = "user.coi.monitor";
    /** Why the monitor froze the container (shown by `coi list` while it is frozen). */
    public static final String FROZEN_BY = "user.coi.frozen_by";
    /** `coi run`: pid and boot id of the coi process that owns the container, to find orphans. */
    public static final String OWNER = "user.coi.owner";

    /** The uid (and gid) of `code` in this container, when not 1000 ([incus] code_uid): exec, tmux and attach run as it. */
    public static final String CODE_UID = "user.coi.code_uid";

    private Labels() {}
}
