package coi;

/** A failure the user can act on, with a message that says what to do: exit code 1, one line. */
public class CoiException extends RuntimeException {
    private final int exitCode;

    public CoiException(String message) {
        this(message, 1);
    }

    public CoiException(String message, int exitCode) {
        super(message);
        this.exitCode = exitCode;
    }

    public CoiException(String message, Throwable cause) {
        super(message, cause);
        this.exitCode = 1;
    }

    public int exitCode() {
        return exitCode;
    }
}
