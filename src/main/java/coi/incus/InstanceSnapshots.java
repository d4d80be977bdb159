package coi.incus;

import java.util.List;

/** Snapshots of an instance's filesystem (/1.0/instances/NAME/snapshots). */
public interface InstanceSnapshots {
    List<Model.Snapshot> snapshots(String instance);

    void createSnapshot(String instance, String snapshot);

    /** Puts the instance's filesystem back to the snapshot (Incus stops and restarts a running one). */
    void restoreSnapshot(String instance, String snapshot);

    void deleteSnapshot(String instance, String snapshot);
}
