package coi.tool;

/** Whether the tool starts a new conversation or picks up an earlier one from its state dir. */
public sealed interface Resume {
    record None() implements Resume {}

    /** The tool's most recent conversation in the workspace. */
    record Latest() implements Resume {}

    /** A conversation by the tool's own id (not coi's session id). */
    record Id(String toolSessionId) implements Resume {
        public Id {
            // The id becomes an argv word: one starting with '-' would be read as a flag.
            if (toolSessionId == null || toolSessionId.isBlank() || toolSessionId.startsWith("-")) {
                throw new IllegalArgumentException("invalid tool session id '" + toolSessionId
                        + "': it must be non-empty and not start with '-'");
            }
        }
    }

    static Resume none() {
        return new None();
    }

    static Resume latest() {
        return new Latest();
    }

    static Resume id(String toolSessionId) {
        return new Id(toolSessionId);
    }
}
