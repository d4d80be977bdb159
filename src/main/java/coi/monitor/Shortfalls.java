package coi.monitor;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The guard's looks in a row, per container, whose tasks were not all accounted for ({@link HostView.Tree#unaccounted}:
 * pids.current counted more than two walks and a scan of /proc found). A process moved out of a walk's way is found
 * by the scan; what a count still misses is most often a process started or ended while it was taken (about one look
 * in ten under heavy process churn), which does not last. A shortfall at {@link #LOOKS} looks in a row (5 s of the
 * guard's) is raised as cgroups beyond the monitor's walk.
 */
final class Shortfalls {
    static final int LOOKS = 25;

    private final Map<String, Integer> inARow = new ConcurrentHashMap<>();

    /** The threat to raise for this look of the container, null for none. */
    Threat see(String container, long unaccounted) {
        if (unaccounted <= 0) {
            inARow.remove(container);
            return null;
        }
        int looks = inARow.merge(container, 1, Integer::sum);
        if (looks < LOOKS) return null;
        return Detectors.hiddenCgroups("pids.current counted " + unaccounted + " tasks more than two walks and a scan of /proc found, at "
                + looks + " looks in a row");
    }

    void forget(String container) {
        inARow.remove(container);
    }
}
