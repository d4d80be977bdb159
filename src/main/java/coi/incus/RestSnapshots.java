package coi.incus;

import static coi.incus.DaemonConnection.enc;

import java.util.List;

/** {@link InstanceSnapshots} over the REST API. */
final class RestSnapshots implements InstanceSnapshots {
    private final DaemonConnection incus;

    RestSnapshots(DaemonConnection incus) {
        this.incus = incus;
    }

    private String path(String instance, String rest) {
        return incus.scoped("/1.0/instances/" + enc(instance) + rest);
    }

    @Override
    public List<Model.Snapshot> snapshots(String instance) {
        return incus.list(path(instance, "/snapshots?recursion=1"), Model.Snapshot.class);
    }

    @Override
    public void createSnapshot(String instance, String snapshot) {
        incus.await("POST", path(instance, "/snapshots"), Json.object().put("name", snapshot));
    }

    @Override
    public void restoreSnapshot(String instance, String snapshot) {
        incus.await("PUT", path(instance, ""), Json.object().put("restore", snapshot));
    }

    @Override
    public void deleteSnapshot(String instance, String snapshot) {
        incus.await("DELETE", path(instance, "/snapshots/" + enc(snapshot)), null);
    }
}
