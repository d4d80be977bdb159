package coi.cli;

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
import picocli.CommandLine.Command;

/**
 * Hidden: the build runs this once with -XX:AOTCacheOutput so the AOT cache holds the classes
 * that help, parsing, JSON and the client's socket path need. It never touches the real daemon:
 * requests go to a stand-in on a temporary unix socket that answers every one with "not found".
 */
@Command(name = "__train", hidden = true)
final class TrainCommand implements Runnable {
    @Override
    public void run() {
        StringWriter sink = new StringWriter();
        CommandLine root = CoiCommand.commandLine(new Context(Map.of()), "--help");
        root.setOut(new PrintWriter(sink));
        root.setErr(new PrintWriter(sink));
        root.execute("--help");
        CoiCommand.commandLine(new Context(Map.of()), "--version").setOut(new PrintWriter(sink)).execute("--version");
        for (var sub : root.getSubcommands().values()) {
            sub.usage(new PrintWriter(sink));
            for (var nested : sub.getSubcommands().values()) nested.usage(new PrintWriter(sink));
        }
        root.execute("container", "exec", "--format", "yaml", "x", "--", "true");
        root.execute("no-such-command");
        try {
            Path dir = Files.createTempDirectory("coi-train");
            Path socket = dir.resolve("incus.socket");
            try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
                server.bind(UnixDomainSocketAddress.of(socket));
                Thread standIn = new Thread(() -> answerNotFound(server), "train-stand-in");
                standIn.setDaemon(true);
                standIn.start();
                Context fake = new Context(Map.of("COI_INCUS_SOCKET", socket.toString()));
                for (String[] args : new String[][] {{"container", "exists", "x"}, {"container", "running", "x"},
                        {"container", "exec", "x", "--", "true"}, {"health", "--format", "json"}, {"list"}}) {
                    CommandLine client = CoiCommand.commandLine(fake, args);
                    client.setOut(new PrintWriter(sink));
                    client.setErr(new PrintWriter(sink));
                    client.execute(args);
                }
                // the usual way to the daemon: the incus CLI's default remote, read from its config.yml
                Path conf = Files.createDirectories(dir.resolve("incus"));
                Files.writeString(conf.resolve("config.yml"), "default-remote: stand-in\nremotes:\n  stand-in:\n    addr: unix://"
                        + socket + "\n    protocol: incus\n");
                CommandLine viaRemote = CoiCommand.commandLine(new Context(Map.of("INCUS_CONF", conf.toString())), "list");
                viaRemote.setOut(new PrintWriter(sink));
                viaRemote.setErr(new PrintWriter(sink));
                viaRemote.execute("list");
            } finally {
                Files.deleteIfExists(dir.resolve("incus/config.yml"));
                Files.deleteIfExists(dir.resolve("incus"));
                Files.deleteIfExists(socket);
                Files.deleteIfExists(dir);
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void answerNotFound(ServerSocketChannel server) {
        byte[] body = "{\"type\":\"error\",\"error\":\"Not found\",\"error_code\":404}".getBytes(StandardCharsets.UTF_8);
        byte[] head = ("HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        while (server.isOpen()) {
            try (SocketChannel ch = server.accept()) {
                InputStream in = Channels.newInputStream(ch);
                OutputStream out = Channels.newOutputStream(ch);
                int state = 0;
                for (int b; (b = in.read()) != -1; ) {
                    // answer at the end of each request head (CRLF CRLF); requests here have no body
                    state = (b == '\r' || b == '\n') ? state + 1 : 0;
                    if (state == 4) {
                        out.write(head);
                        out.write(body);
                        out.flush();
                        state = 0;
                    }
                }
            } catch (IOException e) {
                return;
            }
        }
    }
}
