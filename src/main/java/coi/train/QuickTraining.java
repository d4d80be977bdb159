package coi.train;

import coi.cli.Context;
import coi.cli.QuickList;
import coi.cli.QuickQueries;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;

/**
 * Build tooling, not a command: the training of the launcher's quick cache (`coi-quick.aot`, see
 * bin/coi), run once by the build through the launcher with COI_AOT_TRAIN. It asks exactly what
 * the quick paths answer, {@link QuickQueries} (`container exists|running`, of a running container
 * and a missing one) and {@link QuickList} (`list` with and without containers, `--all` with a
 * saved session, text and JSON, and a daemon that is not there), against a stand-in for Incus on
 * a temporary unix socket (never the real daemon). The containers are unfenced: a fenced one
 * would make `list` read the host's nftables counters.
 */
public final class QuickTraining {
    private static final String PRESENT = "present";
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

    /** Whether the stand-in lists containers (a machine with sessions) or none. */
    private static volatile boolean containers;

    private QuickTraining() {}

    public static void main(String[] args) throws IOException {
        Path dir = Files.createTempDirectory("coi-train-quick");
        Path socket = dir.resolve("incus.socket");
        Path conf = dir.resolve("incus");
        StringWriter sink = new StringWriter();
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            Thread standIn = new Thread(() -> StandIn.acceptEach(server, QuickTraining::serve), "train-stand-in");
            standIn.setDaemon(true);
            standIn.start();
            // the usual way to the daemon: the incus CLI's default remote, read from its config.yml
            Files.createDirectories(conf);
            Files.writeString(conf.resolve("config.yml"), "default-remote: stand-in\nremotes:\n  stand-in:\n    addr: unix://"
                    + socket + "\n    protocol: incus\n");
            savedSession(dir.resolve(".coi/sessions-claude/5e55-0"));
            Map<String, String> env = Map.of("INCUS_CONF", conf.toString(), "HOME", dir.toString(), "PWD", dir.toString());
            // as QuickList.answer(String[]) and QuickQueries.answer(String[]) begin, so that its lambdas are in the cache
            coi.incus.Warmup.startForQueries();
            for (String name : new String[] {PRESENT, "x"}) {
                QuickQueries.answer(new Context(env), false, name, new PrintWriter(sink));
                QuickQueries.answer(new Context(env), true, name, new PrintWriter(sink));
            }
            for (boolean some : new boolean[] {false, true}) {
                containers = some;
                for (String[] command : new String[][] {{"list"}, {"list", "--format", "json"}, {"list", "--all"}, {"list", "--all", "--format=json"}}) {
                    QuickList.answer(new Context(env), QuickList.question(command), new PrintWriter(sink), new PrintWriter(sink));
                }
            }
            Map<String, String> absent = Map.of("COI_INCUS_SOCKET", dir.resolve("absent.socket").toString(), "HOME", dir.toString(), "PWD", dir.toString());
            QuickList.answer(new Context(absent), QuickList.question(new String[] {"list"}), new PrintWriter(sink), new PrintWriter(sink));
        } finally {
            try (var left = Files.walk(dir)) {
                left.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
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

    private static void serve(SocketChannel channel) {
        try (SocketChannel ch = channel) {
            InputStream in = Channels.newInputStream(ch);
            OutputStream out = Channels.newOutputStream(ch);
            StringBuilder head = new StringBuilder();
            for (int b; (b = in.read()) != -1; ) {
                head.append((char) b);
                // answer at the end of each request head (CRLF CRLF); requests here have no body
                if (head.length() >= 4 && head.substring(head.length() - 4).equals("\r\n\r\n")) {
                    out.write(response(head.substring(0, head.indexOf(" HTTP/"))));
                    out.flush();
                    head.setLength(0);
                }
            }
        } catch (IOException e) {
            // the client went away
        }
    }

    private static byte[] response(String requestLine) {
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
