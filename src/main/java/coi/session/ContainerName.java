package coi.session;

import coi.UsageException;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** `coi-<hash8>-<slot>`; the prefix can be changed with COI_CONTAINER_PREFIX. */
public record ContainerName(String prefix, String hash, int slot) {
    public static final int MIN_SLOT = 1, MAX_SLOT = 10;
    public static final String DEFAULT_PREFIX = "coi-";

    public static ContainerName of(String prefix, Workspace workspace, int slot) {
        checkSlot(slot);
        return new ContainerName(prefix, workspace.hash(), slot);
    }

    public static void checkSlot(int slot) {
        if (slot < MIN_SLOT || slot > MAX_SLOT) {
            throw new UsageException("slot " + slot + " is out of range: slots are " + MIN_SLOT + " to " + MAX_SLOT);
        }
    }

    /** Parses a container name made with this prefix, if it is one. */
    public static Optional<ContainerName> parse(String prefix, String name) {
        Matcher m = Pattern.compile(Pattern.quote(prefix) + "([0-9a-f]{8})-(\\d{1,2})").matcher(name);
        if (!m.matches()) return Optional.empty();
        int slot = Integer.parseInt(m.group(2));
        return slot >= MIN_SLOT && slot <= MAX_SLOT ? Optional.of(new ContainerName(prefix, m.group(1), slot)) : Optional.empty();
    }

    public String value() {
        return prefix + hash + "-" + slot;
    }

    /** The tmux session the tool runs in. */
    public String tmuxSession() {
        return tmuxSession(value());
    }

    /** The tmux session of a session container, by the container's name. */
    public static String tmuxSession(String container) {
        return "coi-" + container;
    }

    @Override
    public String toString() {
        return value();
    }
}
