package coi.cli;

import coi.session.SessionAdmin;
import coi.session.SessionMetadata;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * `coi list --format json` in the original's shape, so scripts written for it keep working:
 * {@code {"active_containers": [...], "saved_sessions": [...]}} (the latter with --all), each
 * object with the original's field names first and coi's own fields beside them. Every field is
 * one line here: add new ones the same way.
 */
final class ListJson {
    private static final DateTimeFormatter ORIGINAL_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    private ListJson() {}

    static Map<String, Object> of(List<SessionAdmin.Entry> containers, List<SessionMetadata> saved, boolean all) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("active_containers", containers.stream().map(ListJson::container).toList());
        if (all) json.put("saved_sessions", saved.stream().map(ListJson::savedSession).toList());
        return json;
    }

    static Map<String, Object> container(SessionAdmin.Entry e) {
        Map<String, Object> c = new LinkedHashMap<>();
        // the original's fields, with its conventions: "" for no address, no workspace key when unknown
        c.put("name", e.name());
        c.put("status", e.status());
        c.put("created_at", originalTime(e.created()));
        c.put("image", e.image());
        c.put("persistent", e.persistent());
        c.put("ipv4", e.ipv4() == null ? "" : e.ipv4());
        if (e.workspace() != null) c.put("workspace", e.workspace());
        c.put("alias", e.alias() == null ? "" : e.alias());
        // coi's own
        c.put("mode", e.mode());
        c.put("network", e.network());
        c.put("blocked", e.blocked());
        c.put("session", e.session());
        c.put("tool", e.tool());
        c.put("slot", e.slot());
        c.put("limits", e.limits());
        c.put("monitored", e.monitored());
        if (e.frozenBy() != null) c.put("frozen_by", e.frozenBy());
        return c;
    }

    static Map<String, Object> savedSession(SessionMetadata m) {
        Map<String, Object> s = new LinkedHashMap<>();
        // the original prints its Go struct without JSON tags: capitalised field names
        s.put("ID", m.sessionId());
        s.put("SavedAt", m.savedAt());
        s.put("Workspace", m.workspace());
        s.put("session_id", m.sessionId());
        s.put("container_name", m.containerName());
        s.put("tool", m.tool());
        s.put("status", m.status());
        s.put("persistent", m.persistent());
        s.put("slot", m.slot());
        s.put("created_at", m.createdAt());
        s.put("saved_at", m.savedAt());
        // who ended it when not the user or the tool (the monitor, ...), as `coi info` says; absent otherwise
        if (m.stoppedBy() != null) s.put("stopped_by", m.stoppedBy());
        return s;
    }

    /** Incus's RFC 3339 time as the original prints it ("2026-12-04 10:34:09", the daemon's zone). */
    static String originalTime(String rfc3339) {
        if (rfc3339 == null) return "";
        try {
            return OffsetDateTime.parse(rfc3339).format(ORIGINAL_TIME);
        } catch (DateTimeParseException e) {
            return rfc3339;
        }
    }
}
