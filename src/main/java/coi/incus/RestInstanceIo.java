package coi.incus;

import java.io.InputStream;
import java.io.OutputStream;

/** {@link InstanceIo} over the REST API and its websockets. */
final class RestInstanceIo implements InstanceIo {
    private final DaemonConnection incus;

    RestInstanceIo(DaemonConnection incus) {
        this.incus = incus;
    }

    @Override
    public int exec(String instance, ExecRequest request, InputStream stdin, OutputStream stdout, OutputStream stderr) {
        return new Exec(incus).run(instance, request, stdin, stdout, stderr);
    }

    @Override
    public Model.ExecResult execRecorded(String instance, ExecRequest request) {
        return new Exec(incus).recorded(instance, request);
    }

    @Override
    public java.util.OptionalInt execDetached(String instance, ExecRequest request, long seconds) {
        return new Exec(incus).detached(instance, request, seconds);
    }

    @Override
    public Model.ExecResult execCaptureBounded(String instance, ExecRequest request, int maxBytes, long seconds) {
        return new Exec(incus).bounded(instance, request, maxBytes, seconds);
    }

    @Override
    public InstanceFiles files(String instance) {
        return new InstanceFiles(incus, instance);
    }
}
