package coi;

/** Bad input from the user that the parser could not catch: exit code 2, one line, no trace. */
public final class UsageException extends RuntimeException {
    public UsageException(String message) {
        super(message);
    }
}
