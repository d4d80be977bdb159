package coi.setup;

import coi.CoiException;

/** A setup step that could not be done; the message names the command and what it said. */
public final class SetupException extends CoiException {
    public SetupException(String message) {
        super("setup: " + message);
    }
}
