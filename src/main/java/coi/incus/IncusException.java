package coi.incus;

/** A request the daemon answered with an error; the message is the daemon's own. */
public class IncusException extends RuntimeException {
    private final int status;

    public IncusException(int status, String message) {
        super(message);
        this.status = status;
    }

    public IncusException(String message, Throwable cause) {
        super(message, cause);
        this.status = 0;
    }

    /** HTTP-style status code of the daemon's answer, 0 when the daemon was never reached. */
    public int status() {
        return status;
    }

    static IncusException of(int status, String message) {
        return switch (status) {
            case 404 -> new NotFound(message);
            case 409 -> new Conflict(message);
            case 403 -> new Forbidden(message);
            default -> new IncusException(status, message);
        };
    }

    /** The named object (instance, image, pool, operation...) does not exist. */
    public static final class NotFound extends IncusException {
        public NotFound(String message) { super(404, message); }
    }

    /** The object already exists or is in a state that forbids the request. */
    public static final class Conflict extends IncusException {
        public Conflict(String message) { super(409, message); }
    }

    /** The caller is not allowed (not in the incus-admin group, untrusted certificate). */
    public static final class Forbidden extends IncusException {
        public Forbidden(String message) { super(403, message); }
    }

    /** No daemon answered at the configured address. */
    public static final class Unreachable extends IncusException {
        public Unreachable(String message, Throwable cause) { super(message, cause); }
    }
}
