package coi.monitor;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The guard's looks in a row, per container, whose tasks were not all accounted for ({@link HostView.Tree#unaccounted}:
 * pids.current counted more than two walks and a scan of /proc found). A process moved out of a walk's way is found
 * by the scan; what a count still misses is most often a process started or ended while it was taken (about one look
 * in ten under heavy process churn), which does not last. A shortfall at {@link #LOOKS} looks in a row (5 s of the
 * guard's) is raised as cgroups beyond the monitor's walk; so is a pids.current that cannot be read for as long.
 */
final class Shortfalls {
    static final int LOOKS = 25;

    private final Map<String, Integer> inARow = new ConcurrentHashMap<>();

    /**
     * The threat to raise for this look of the container, null for none. A pids.current that cannot be read
     * ({@link HostView#NOT_KNOWN}: also a cgroup being removed as its container stops) counts as a shortfall too.
     */
    Threat see(String container, long unaccounted) {
        if (unaccounted == 0) {
            inARow.remove(container);
            return null;
        }
        int looks = inARow.merge(container, 1, Integer::sum);
        if (looks < LOOKS) return null;
        return Detectors.hiddenCgroups((unaccounted == HostView.NOT_KNOWN ? "pids.current could not be read, so the tasks the walks left out"
                + " are not known" : "pids.current counted " + unaccounted + " tasks more than two walks and a scan of /proc found")
                + ", at " + looks + " looks in a row");
    }

    void forget(String container) {
        inARow.remove(container);
    }
}
