package coi.train;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Build tooling, not a command: the stand-in for Incus that the quick cache's training
 * ({@link QuickTraining}) asks, in a JVM of its own that nothing records (bin/coi starts it with
 * COI_AOT_TRAIN and ends it after the training). Every class of an AOT cache is loaded at each
 * start, so a server in the trained JVM (its channels, the SecureRandom the JDK's unix sockets
 * seed, its threads, the temporary folder's random name) would load with every `coi list` (with
 * them the cache loaded 1,881 classes at start, without them 1,615; measured 2026-12-08).
 *
 * <p>In the folder it is given ({@code DIR}) it writes the incus CLI's config of two remotes,
 * {@code conf-full} (a daemon with a session container, running, and one made by hand, stopped)
 * and {@code conf-empty} (a daemon with none), and an ended session under {@code DIR/.coi}
 * (what `coi list --all` finds), then answers on {@code full.socket} and {@code empty.socket}
 * (bound in that order: the second one there means both are) until it is ended. The containers
 * are unfenced: a fenced one would make `list` read the host's nftables counters.
 */
public final class QuickStandIn {
    /** The running container that `container exists|running` asks for. */
    static final String PRESENT = "present";
    private static final String SYNC = "{\"type\":\"sync\",\"status\":\"Success\",\"status_code\":200,\"operation\":\"\",\"error_code\":0,\"error\":\"\",\"metadata\":";
    /** A session container as coi labels it, running; and one made by hand, stopped (a listing without state). */
    private static final String INSTANCES = "[{\"name\":\"coi-0a1b2c3d-1\",\"status\":\"Running\",\"type\":\"container\",\"ephemeral\":false,"
            + "\"created_at\":\"2026-12-04T10:39:24.123456789Z\",\"profiles\":[\"default\"],\"config\":{\"image.description\":\"coi image\","
            + "\"volatile.base_image\":\"b1dca77e9fb19ae38b36341afb6d1b54d127cc342bbe082f1740e862b3faef4a\",\"user.coi.workspace\":\"/w\","
            + "\"user.coi.session\":\"5e55-1\",\"user.coi.tool\":\"claude\",\"user.coi.slot\":\"1\",\"user.coi.persistent\":\"false\","
            + "\"user.coi.network\":\"open\",\"user.coi.monitor\":\"on\",\"limits.processes\":\"300\"},"
            + "\"devices\":{\"root\":{\"path\":\"/\",\"pool\":\"default\",\"type\":\"disk\",\"size\":\"10GiB\"}},\"expanded_config\":{},\"expanded_devices\":{}},"
            + "{\"name\":\"coi-handmade\",\"status\":\"Stopped\",\"type\":\"container\",\"ephemeral\":false,\"created_at\":\"2026-12-04T10:40:00Z\","
            + "\"config\":{},\"devices\":{}}]";
    /** The running one's state, with its address. */
    private static final String STATE = "{\"status\":\"Running\",\"pid\":4242,\"network\":{\"lo\":{\"addresses\":[{\"family\":\"inet\",\"address\":\"127.0.0.1\","
            + "\"netmask\":\"8\",\"scope\":\"local\"}],\"host_name\":\"\",\"hwaddr\":\"\",\"state\":\"up\"},\"eth0\":{\"addresses\":["
            + "{\"family\":\"inet\",\"address\":\"10.147.83.20\",\"netmask\":\"24\",\"scope\":\"global\"}],\"counters\":{\"bytes_received\":2058},"
            + "\"host_name\":\"veth1\",\"hwaddr\":\"10:66:6a:52:13:37\",\"mtu\":1500,\"state\":\"up\"}}}";
    private static final String IMAGES = "[{\"fingerprint\":\"b1dca77e9fb19ae38b36341afb6d1b54d127cc342bbe082f1740e862b3faef4a\","
            + "\"aliases\":[{\"name\":\"coi-20261204-103000\",\"description\":\"\"},{\"name\":\"coi\",\"description\":\"\"}],"
            + "\"properties\":{\"description\":\"coi image\"},\"size\":120000000,\"public\":false}]";

    private QuickStandIn() {}

    public static void main(String[] args) throws IOException, InterruptedException {
        Path dir = Path.of(args[0]);
        savedSession(dir.resolve(".coi/sessions-claude/5e55-0"));
        ServerSocketChannel full = listen(dir, "full", true);
        ServerSocketChannel empty = listen(dir, "empty", false);
        try (full; empty) {
            Thread.currentThread().join(); // until bin/coi ends this process
        }
    }

    /** The incus CLI's config in DIR/conf-NAME whose default remote is DIR/NAME.socket, answered by a daemon with or without containers. */
    private static ServerSocketChannel listen(Path dir, String name, boolean containers) throws IOException {
        Path socket = dir.resolve(name + ".socket");
        Path conf = Files.createDirectories(dir.resolve("conf-" + name));
        Files.writeString(conf.resolve("config.yml"), "default-remote: stand-in\nremotes:\n  stand-in:\n    addr: unix://"
                + socket + "\n    protocol: incus\n");
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        Thread accept = new Thread(() -> StandIn.acceptEach(server, ch -> serve(ch, containers)), "train-stand-in-" + name);
        accept.setDaemon(true);
        accept.start();
        return server;
    }

    /** An ended session, as `coi list --all` finds them. */
    private static void savedSession(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("metadata.json"), """
                {
                  "session_id" : "5e55-0",
                  "container_name" : "coi-0a1b2c3d-1",
                  "tool" : "claude",
                  "persistent" : false,
                  "workspace" : "/w",
                  "saved_at" : "2026-12-04T11:00:00Z",
                  "created_at" : "2026-12-04T10:39:24Z",
                  "slot" : 1,
                  "image" : "coi",
                  "status" : "ended"
                }
                """);
    }

    private static void serve(SocketChannel channel, boolean containers) {
        try (SocketChannel ch = channel) {
            InputStream in = Channels.newInputStream(ch);
            OutputStream out = Channels.newOutputStream(ch);
            StringBuilder head = new StringBuilder();
            for (int b; (b = in.read()) != -1; ) {
                head.append((char) b);
                // answer at the end of each request head (CRLF CRLF); requests here have no body
                if (head.length() >= 4 && head.substring(head.length() - 4).equals("\r\n\r\n")) {
                    out.write(response(head.substring(0, head.indexOf(" HTTP/")), containers));
                    out.flush();
                    head.setLength(0);
                }
            }
        } catch (IOException e) {
            // the client went away
        }
    }

    private static byte[] response(String requestLine, boolean containers) {
        String body;
        if (requestLine.startsWith("GET /1.0/instances?")) body = SYNC + (containers ? INSTANCES : "[]") + "}";
        else if (requestLine.startsWith("GET /1.0/images?")) body = SYNC + IMAGES + "}";
        else if (requestLine.startsWith("GET /1.0/instances/coi-0a1b2c3d-1/state")) body = SYNC + STATE + "}";
        else if (requestLine.startsWith("GET /1.0/instances/" + PRESENT)) {
            body = SYNC + "{\"name\":\"" + PRESENT + "\",\"status\":\"Running\",\"config\":{},\"devices\":{},\"ephemeral\":false}}";
        } else body = null;
        String status = body == null ? "404 Not Found" : "200 OK";
        if (body == null) body = "{\"type\":\"error\",\"error\":\"Not found\",\"error_code\":404}";
        return ("HTTP/1.1 " + status + "\r\nContent-Type: application/json\r\nContent-Length: " + body.getBytes(StandardCharsets.UTF_8).length
                + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8);
    }
}
