package coi.monitor;

import coi.CoiException;

/** The host cannot see into a container (no cgroup, /proc not readable): a monitored session must not run blind. */
public final class ObservationException extends CoiException {
    public ObservationException(String message) {
        super(message);
    }
}
