package coi.session;

import coi.CoiException;
import coi.UsageException;
import coi.incus.Model;
import coi.tool.Tool;
import java.util.Collection;
import java.util.Optional;

/**
 * Which saved session `--resume[=ID]` / `--continue` means: the newest of this workspace, or the
 * one named, which must belong to this tool and this workspace and must not be open in a running
 * ephemeral container.
 */
final class ResumeResolver {
    private final SessionStore store;

    ResumeResolver(SessionStore store) {
        this.store = store;
    }

    /**
     * @param resume  null: no resume; "": the newest of the workspace; else a session id
     * @param mine    this workspace's coi containers
     * @return the session to resume, or null for a new one
     */
    SessionMetadata resolve(String resume, Tool tool, Workspace ws, Collection<Model.Instance> mine) {
        if (resume == null) return null;
        SessionMetadata found = resume.isEmpty() ? newest(tool, ws) : named(resume, tool, ws);
        for (Model.Instance i : mine) {
            if (found.sessionId().equals(i.configValue(Labels.SESSION)) && i.running() && !"true".equals(i.configValue(Labels.PERSISTENT))) {
                throw new CoiException("session " + found.sessionId() + " is open in " + i.name() + ": `coi attach " + i.name() + "`");
            }
        }
        return found;
    }

    private SessionMetadata newest(Tool tool, Workspace ws) {
        return store.newest(tool.name(), ws).orElseThrow(() -> new CoiException("no saved " + tool.name()
                + " session for " + ws + ": start one with `coi shell`, or see all with `coi list --all`"));
    }

    private SessionMetadata named(String id, Tool tool, Workspace ws) {
        SessionMetadata found = store.find(tool.name(), id).orElseGet(() -> {
            Optional<SessionMetadata> other = store.find(id);
            if (other.isPresent()) {
                throw new UsageException("session " + id + " is a " + other.get().tool() + " session: add `--tool " + other.get().tool() + "`");
            }
            // not found, as `coi shell --resume` with none saved: exit 1; a session of another tool or workspace is a usage error
            throw new CoiException("unknown session id " + id + ": `coi list --all` shows the saved sessions");
        });
        if (!ws.path().toString().equals(found.workspace())) {
            throw new UsageException("session " + id + " belongs to workspace " + found.workspace() + ", not " + ws
                    + ": run coi there, or pass `--workspace " + found.workspace() + "`");
        }
        return found;
    }
}
