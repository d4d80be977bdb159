package coi.incus;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;

/** A subscription to /1.0/events, delivering each event to a listener on its own thread. */
public final class EventStream implements AutoCloseable {
    private final WebSocket socket;
    private final CountDownLatch ended = new CountDownLatch(1);
    private volatile boolean closing;

    EventStream(WebSocket socket, Consumer<JsonNode> listener) {
        this.socket = socket;
        Thread reader = new Thread(() -> {
            try {
                for (WebSocket.Message m; (m = socket.receive()) != null; ) {
                    // JsonTree, not Json: the resident supervisor reads every event and never needs the ObjectMapper
                    listener.accept(JsonTree.parse(m.data()));
                }
            } catch (IOException | java.nio.channels.ClosedSelectorException e) {
                // close() closes the socket under a blocked receive: a closed selector is how that ends
                if (!closing) System.getLogger("coi.incus").log(System.Logger.Level.DEBUG, "event stream ended", e);
            } finally {
                ended.countDown();
            }
        }, "incus-events");
        reader.setDaemon(true);
        reader.start();
    }

    /** Blocks until the daemon ends the stream (e.g. it shuts down) or {@link #close()} is called. */
    public void awaitEnd() throws InterruptedException {
        ended.await();
    }

    public boolean ended() {
        return ended.getCount() == 0;
    }

    @Override
    public void close() {
        closing = true;
        socket.close();
    }
}
