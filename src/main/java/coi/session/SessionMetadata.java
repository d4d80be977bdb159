package coi.session;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * `metadata.json` of a saved session, in the original coi's field names (snake_case on disk).
 * {@code status} is "running" while a container uses the session and "ended" after;
 * {@code stoppedBy} says who ended it when that was not the user or the tool (the monitor).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SessionMetadata(String sessionId, String containerName, String tool, boolean persistent,
                              String workspace, String savedAt, String createdAt, int slot, String image,
                              String status, String stoppedBy) {
    public SessionMetadata(String sessionId, String containerName, String tool, boolean persistent, String workspace, String savedAt,
                           String createdAt, int slot, String image, String status) {
        this(sessionId, containerName, tool, persistent, workspace, savedAt, createdAt, slot, image, status, null);
    }

    public SessionMetadata ended(String when) {
        return new SessionMetadata(sessionId, containerName, tool, persistent, workspace, when, createdAt, slot, image, "ended", stoppedBy);
    }

    /** Ended by someone other than the user: {@code by} says who and why. */
    public SessionMetadata stoppedBy(String by, String when) {
        return new SessionMetadata(sessionId, containerName, tool, persistent, workspace, when, createdAt, slot, image, "ended", by);
    }

    public SessionMetadata running(String container, int newSlot, boolean isPersistent, String when) {
        return new SessionMetadata(sessionId, container, tool, isPersistent, workspace, when, createdAt, newSlot, image, "running");
    }

    public SessionMetadata withPersistent(boolean value) {
        return new SessionMetadata(sessionId, containerName, tool, value, workspace, savedAt, createdAt, slot, image, status, stoppedBy);
    }
}
