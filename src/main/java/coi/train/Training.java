package coi.train;

import coi.cli.CoiCommand;
import coi.cli.Context;
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
import java.util.Map;
import picocli.CommandLine;

/**
 * Build tooling, not a command: the build runs it once through the launcher with COI_AOT_TRAIN
 * (bin/coi, so with the launcher's own JVM flags and class path) and the JVM writes the AOT cache
 * from what it loaded and linked. It runs the commands users type most, as the CLI does, against
 * a stand-in for Incus on a temporary unix socket (never the real daemon): `list` with no
 * containers, `container exists|running` of a missing one, health, help and usage errors. The
 * launcher's quick cache has a training of its own ({@link QuickTraining}).
 */
public final class Training {
    private static final String PRESENT = "present";

    private Training() {}

    public static void main(String[] args) throws IOException {
        StringWriter sink = new StringWriter();
        help(sink);
        Path dir = Files.createTempDirectory("coi-train");
        Path socket = dir.resolve("incus.socket");
        Path conf = dir.resolve("incus");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            Thread standIn = new Thread(() -> answer(server), "train-stand-in");
            standIn.setDaemon(true);
            standIn.start();
            // the usual way to the daemon: the incus CLI's default remote, read from its config.yml
            Files.createDirectories(conf);
            Files.writeString(conf.resolve("config.yml"), "default-remote: stand-in\nremotes:\n  stand-in:\n    addr: unix://"
                    + socket + "\n    protocol: incus\n");
            Map<String, String> env = Map.of("INCUS_CONF", conf.toString(), "HOME", dir.toString(), "PWD", dir.toString());
            for (String[] command : new String[][] {{"list"}, {"container", "exists", "x"}, {"container", "running", "x"},
                    {"list", "--format", "json"}, {"container", "exec", "x", "--", "true"}, {"health", "--format", "json"}}) {
                try (Context context = new Context(env)) {
                    quiet(CoiCommand.commandLine(context, command), sink).execute(command);
                }
            }
        } finally {
            Files.deleteIfExists(conf.resolve("config.yml"));
            Files.deleteIfExists(conf);
            Files.deleteIfExists(socket);
            try (var left = Files.walk(dir)) {
                left.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** Help of every command and subcommand, and usage errors. */
    private static void help(StringWriter sink) {
        CommandLine root = quiet(CoiCommand.commandLine(new Context(Map.of()), "--help"), sink);
        root.execute("--help");
        for (var sub : root.getSubcommands().values()) {
            sub.usage(new PrintWriter(sink));
            for (var nested : sub.getSubcommands().values()) nested.usage(new PrintWriter(sink));
        }
        root.execute("container", "exec", "--format", "yaml", "x", "--", "true");
        root.execute("no-such-command");
    }

    private static CommandLine quiet(CommandLine cli, StringWriter sink) {
        cli.setOut(new PrintWriter(sink));
        cli.setErr(new PrintWriter(sink));
        return cli;
    }

    /** Each connection in its own thread: a client may keep its connection open while the next one starts. */
    private static void answer(ServerSocketChannel server) {
        while (server.isOpen()) {
            try {
                SocketChannel ch = server.accept();
                Thread serve = new Thread(() -> serve(ch), "train-stand-in-connection");
                serve.setDaemon(true);
                serve.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    /** The list of instances is empty (a machine without sessions); one instance, {@link #PRESENT}, runs; everything else is not found. */
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
        boolean list = requestLine.startsWith("GET /1.0/instances?");
        boolean present = requestLine.startsWith("GET /1.0/instances/" + PRESENT);
        String sync = "{\"type\":\"sync\",\"status\":\"Success\",\"status_code\":200,\"operation\":\"\",\"error_code\":0,\"error\":\"\",\"metadata\":";
        String body = list ? sync + "[]}"
                : present ? sync + "{\"name\":\"" + PRESENT + "\",\"status\":\"Running\",\"config\":{},\"devices\":{},\"ephemeral\":false}}"
                : "{\"type\":\"error\",\"error\":\"Not found\",\"error_code\":404}";
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return ((list || present ? "HTTP/1.1 200 OK" : "HTTP/1.1 404 Not Found") + "\r\nContent-Type: application/json\r\nContent-Length: "
                + bytes.length + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8);
    }
}
