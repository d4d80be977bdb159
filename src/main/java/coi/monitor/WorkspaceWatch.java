package coi.monitor;

import java.util.List;

/**
 * A container's workspace under watch: a fanotify mark on its /workspace mount and a thread that
 * takes each event as it comes (while the process is still there to have its counters read) into
 * the container's {@link WorkspaceTraffic}. A platform thread: it waits in poll(2), which would pin
 * a virtual thread's carrier anyway.
 */
final class WorkspaceWatch implements AutoCloseable {
    /** How long one wait for events lasts: how soon a closed watch's thread notices. */
    private static final int WAIT_MILLIS = 500;

    private final WorkspaceTraffic traffic = new WorkspaceTraffic();
    private final Fanotify group;
    private final Thread reader;
    private volatile boolean open = true;

    /** Watches the workspace of the container whose process {@code pid} is, reading counters through {@code view}. */
    WorkspaceWatch(String container, HostView view, int pid) {
        this.group = Fanotify.onMountOf(view.workspaceOf(pid));
        this.reader = Thread.ofPlatform().daemon().name("coi-workspace-" + container).start(() -> {
            while (open) {
                List<Fanotify.Access> batch = group.next(WAIT_MILLIS);
                if (!batch.isEmpty()) traffic.record(batch, view::io);
            }
            group.close();
        });
    }

    /** What each process moved through the workspace since the last call. */
    List<Snapshot.WorkspaceUse> take() {
        return traffic.take();
    }

    /** Stops the thread, which closes the group once out of its wait. */
    @Override
    public void close() {
        open = false;
    }
}
