package coi.incus;

import java.util.regex.Pattern;

/**
 * A request the daemon refused, or a daemon that could not be reached; the message is the
 * daemon's own. The subtypes are the failures callers act on, so no caller reads the message.
 */
public sealed class IncusException extends RuntimeException
        permits IncusException.NotFound, IncusException.Conflict, IncusException.Forbidden, IncusException.Unreachable,
        IncusException.HostFile, IncusException.GivenUp {
    /**
     * What incusd 6.0 says, with no status of its own, when the object is in use: "Instance is
     * busy running a "start" operation" (500, an operation already on it) and "Instance is
     * running" (400, a delete that needs it stopped). IncusClientIT pins these words.
     */
    private static final Pattern BUSY = Pattern.compile("\\bis busy\\b|\\bInstance is running\\b");

    private final int status;

    public IncusException(int status, String message) {
        super(message);
        this.status = status;
    }

    public IncusException(String message, Throwable cause) {
        super(message, cause);
        this.status = 0;
    }

    /** HTTP-style status code of the daemon's answer, 0 when the daemon was never reached or gave none. */
    public int status() {
        return status;
    }

    /**
     * The one mapping from the daemon's answer to a type. The status decides where incusd sets
     * one (404, 403, 409, also as the error_code of a failed operation's wait); only "busy" has
     * none and is told by its words.
     */
    static IncusException of(int status, String message) {
        return switch (status) {
            case 404 -> new NotFound(message);
            case 403 -> new Forbidden(message);
            case 409 -> new AlreadyExists(message);
            default -> BUSY.matcher(message).find() ? new Busy(status, message) : new IncusException(status, message);
        };
    }

    /** The named object (instance, image, pool, operation...) does not exist. */
    public static final class NotFound extends IncusException {
        public NotFound(String message) { super(404, message); }
    }

    /** The object's current state forbids the request. */
    public abstract static sealed class Conflict extends IncusException permits AlreadyExists, Busy {
        Conflict(int status, String message) { super(status, message); }
    }

    /**
     * The name or address is taken: an instance, alias, network, pool or device of that name, or
     * a NIC address already defined on another instance (incusd answers 409).
     */
    public static final class AlreadyExists extends Conflict {
        public AlreadyExists(String message) { super(409, message); }
    }

    /**
     * The object is busy with another operation (an instance still being created or started), or
     * running when the request needs it stopped. Often worth another try a moment later: see
     * {@link Retries}.
     */
    public static final class Busy extends Conflict {
        public Busy(int status, String message) { super(status, message); }
    }

    /**
     * coi gave up on a command in an instance ({@link InstanceIo#execCaptureBounded}): it wrote more than it may, or
     * did not end in time. The command is the container's, which the agent controls; nothing is wrong with the daemon.
     */
    public static final class GivenUp extends IncusException {
        public GivenUp(String message) { super(0, message); }
    }

    /** The caller is not allowed (not in the incus-admin group, untrusted certificate). */
    public static final class Forbidden extends IncusException {
        public Forbidden(String message) { super(403, message); }
    }

    /**
     * A host file a file request reads or writes (`coi file push|pull`) is missing, refused or
     * failed: the host's side, not the daemon's answer.
     */
    public static final class HostFile extends IncusException {
        public HostFile(String message) { super(400, message); }

        public HostFile(String message, Throwable cause) { super(message, cause); }
    }

    /** No daemon answered at the configured address. */
    public static final class Unreachable extends IncusException {
        public Unreachable(String message, Throwable cause) { super(message, cause); }
    }
}
