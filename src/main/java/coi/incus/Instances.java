package coi.incus;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;

/** Instances (/1.0/instances): what exists, its state, creating, starting, stopping, deleting, config and devices. */
public interface Instances {
    /** Every instance with its live state (addresses, processes): the daemon gathers it from each running one. */
    List<Model.Instance> instances();

    /**
     * Every instance with its config, devices and status but no {@link Model.Instance#state()}:
     * one quick read, where {@link #instances()} has the daemon gather the state of each running
     * instance (tens of milliseconds with a few running). What a launch plans with.
     */
    List<Model.Instance> instancesWithoutState();

    /** As {@link #instancesWithoutState()}, of every project the client may see, not only its own. */
    List<Model.Instance> instancesOfAllProjects();

    Model.Instance instance(String name);

    /** The instance, or empty when it does not exist. */
    default Optional<Model.Instance> findInstance(String name) {
        try {
            return Optional.of(instance(name));
        } catch (IncusException.NotFound e) {
            return Optional.empty();
        }
    }

    /** The instance's status ("Running", "Stopped", "Frozen", ...), or empty when it does not exist. */
    default Optional<String> instanceStatus(String name) {
        return findInstance(name).map(Model.Instance::status);
    }

    default boolean instanceExists(String name) {
        return instanceStatus(name).isPresent();
    }

    /**
     * Waits up to {@code timeout} for the instance to have stopped, or be gone. Readings on the way
     * are not the end (seen on this machine, polling a {@code poweroff} inside): "Stopped" for a
     * moment when the container's init exits, "Running" again while Incus tidies up after it (its stop
     * hook holds the instance's lock, which reads Running), and only then "Stopped" for good; "Error"
     * or "Frozen" when the container's monitor does not answer within 5 s. Incus marks the end of its
     * tidying by {@value #POWER} = STOPPED: a "Stopped" reading with it counts once it has held for
     * {@link #STOP_CONFIRM} (a {@code reboot} inside reads so for about 0.3 s before "Running" again,
     * which is {@link StopSeen.Outcome#STARTED_AGAIN}); one without it once it has held for
     * {@link #STOP_HOLD} (an Incus that died mid-stop never writes it). An interrupt ends the wait
     * (the interrupt is kept) as {@link StopSeen.Outcome#NOT_YET}.
     */
    default StopSeen awaitStopped(String name, Duration timeout) {
        return awaitStopped(name, timeout, null);
    }

    /**
     * As {@link #awaitStopped(String, Duration)}, for a container known to have been running since
     * {@code runningSince} (its last start, Incus's last_used_at; null: not known): a "Running"
     * reading of a later start is {@link StopSeen.Outcome#STARTED_AGAIN} at once, whether or not a
     * reading saw its stop. A reboot's "Stopped" lasts about 0.3 s, and under load every look can
     * fall before or after it (CI: systemd inside could not be asked, as the container was down, and
     * the next reading was "Running" again): without its start time such a wait saw no stop and
     * waited for one until {@code timeout}.
     */
    default StopSeen awaitStopped(String name, Duration timeout, String runningSince) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long stoppedSince = -1;
        boolean recorded = false;
        String said = null;
        while (true) {
            Optional<Model.Instance> now = findInstance(name);
            String reading = now.map(i -> i.status() + (i.down() ? " (" + POWER + " " + i.configValue(POWER) + ")" : "")).orElse("gone");
            if (!reading.equals(said)) coi.Trace.mark("wait for " + name + " to stop: " + (said = reading));
            if (now.isEmpty()) return new StopSeen(StopSeen.Outcome.STOPPED, now);
            Model.Instance instance = now.get();
            long at = System.nanoTime();
            if (instance.down()) {
                if (stoppedSince < 0) stoppedSince = at;
                recorded |= !"RUNNING".equals(instance.configValue(POWER));
                if (at - stoppedSince >= (recorded ? STOP_CONFIRM : STOP_HOLD).toNanos()) return new StopSeen(StopSeen.Outcome.STOPPED, now);
            } else if (instance.running() && (recorded || startedSince(instance, runningSince))) {
                return new StopSeen(StopSeen.Outcome.STARTED_AGAIN, now);
            } else {
                stoppedSince = -1;
                recorded = false;
            }
            if (at > deadline) return new StopSeen(instance.down() ? StopSeen.Outcome.STOPPED : StopSeen.Outcome.NOT_YET, now);
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new StopSeen(StopSeen.Outcome.NOT_YET, now);
            }
        }
    }

    /** Whether {@code instance} was started after {@code runningSince} (its last start when last known; null: not known). */
    static boolean startedSince(Model.Instance instance, String runningSince) {
        return runningSince != null && instance.lastUsedAt() != null && !runningSince.equals(instance.lastUsedAt());
    }

    /** What a wait for an instance to stop saw, and its last reading (empty when it is gone). */
    record StopSeen(Outcome outcome, Optional<Model.Instance> last) {
        public enum Outcome {
            /** stopped, or gone */
            STOPPED,
            /** stopped and started again: a reboot inside */
            STARTED_AGAIN,
            /** neither when the wait ended */
            NOT_YET
        }
    }

    /** Incus's record of an instance's power state, written when a start or a stop is through. */
    String POWER = "volatile.last_state.power";

    /** How long a "Stopped" reading with {@link #POWER} = STOPPED must hold to count: past a reboot's stop. */
    Duration STOP_CONFIRM = Duration.ofSeconds(1);

    /** How long a "Stopped" reading without {@link #POWER} = STOPPED must hold to count. */
    Duration STOP_HOLD = Duration.ofSeconds(3);

    Model.InstanceState instanceState(String name);

    /**
     * Waits up to {@code timeout} for the instance to be not running (stopped, frozen or gone).
     * Returns whether it is; false also when interrupted (the interrupt is kept).
     */
    default boolean awaitNotRunning(String name, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (findInstance(name).map(Model.Instance::running).orElse(false)) {
            if (System.nanoTime() > deadline) return false;
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    /**
     * Waits up to {@code timeout} for the instance to get an IPv4 address (its DHCP lease), so
     * that a command run right after start does not race the network. Returns the first one it
     * got (eth0's when it has one), or empty when none came in time.
     */
    Optional<String> awaitIpv4(String name, Duration timeout);

    /**
     * Creates (and with {@code spec.start()} starts) an instance in one operation. A missing
     * image is {@link IncusException.NotFound} naming it.
     */
    void createInstance(InstanceSpec spec);

    void start(String name);

    /** Stops cleanly within {@code timeoutSeconds}, or at once with {@code force}. */
    void stop(String name, int timeoutSeconds, boolean force);

    /**
     * Asks for a forced stop and returns without waiting: Incus carries it out (and removes an
     * ephemeral instance) whether or not anyone waits for the operation.
     */
    void stopInBackground(String name);

    void freeze(String name);

    void unfreeze(String name);

    /**
     * Deletes an instance, once: {@code force} stops it first if it runs (as `incus delete -f`)
     * and takes "not found" as done. One still being created or started refuses with
     * {@link IncusException.Busy}; whether to try again is the caller's choice ({@link Retries}).
     */
    void delete(String name, boolean force);

    /**
     * Read-modify-write of an instance's writable fields (config, devices, profiles...) guarded by
     * its ETag, so a concurrent change is refused rather than overwritten.
     */
    void updateInstance(String name, UnaryOperator<ObjectNode> change);

    /** Sets one config key; null removes it. */
    void setConfig(String name, String key, String value);

    /** Adds a device; one of that name already there is {@link IncusException.AlreadyExists}. */
    void addDevice(String name, String device, Map<String, String> config);

    void removeDevice(String name, String device);
}
