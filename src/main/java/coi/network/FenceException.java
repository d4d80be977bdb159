package coi.network;

/**
 * The network fence could not be put up, changed or read. The session must not start (or must
 * stop) the container: running unfenced is never the fallback.
 */
public class FenceException extends RuntimeException {
    public FenceException(String message) {
        super(message);
    }

    public FenceException(String message, Throwable cause) {
        super(message, cause);
    }
}
