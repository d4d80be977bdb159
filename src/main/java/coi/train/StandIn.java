package coi.train;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.function.Function;

/** The trainings' stand-in for Incus: answers each request on a bound unix socket by its request line ("GET /1.0/..."). */
final class StandIn {
    private StandIn() {}

    /** Serves {@code server} from a daemon thread until it is closed; {@code answers} gives the whole HTTP response. */
    static void start(ServerSocketChannel server, Function<String, byte[]> answers) {
        Thread standIn = new Thread(() -> accept(server, answers), "train-stand-in");
        standIn.setDaemon(true);
        standIn.start();
    }

    /** Each connection in its own thread: a client may keep its connection open while the next one starts. */
    private static void accept(ServerSocketChannel server, Function<String, byte[]> answers) {
        while (server.isOpen()) {
            try {
                SocketChannel ch = server.accept();
                Thread serve = new Thread(() -> serve(ch, answers), "train-stand-in-connection");
                serve.setDaemon(true);
                serve.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private static void serve(SocketChannel channel, Function<String, byte[]> answers) {
        try (SocketChannel ch = channel) {
            InputStream in = Channels.newInputStream(ch);
            OutputStream out = Channels.newOutputStream(ch);
            StringBuilder head = new StringBuilder();
            for (int b; (b = in.read()) != -1; ) {
                head.append((char) b);
                // answer at the end of each request head (CRLF CRLF); requests here have no body
                if (head.length() >= 4 && head.substring(head.length() - 4).equals("\r\n\r\n")) {
                    out.write(answers.apply(head.substring(0, head.indexOf(" HTTP/"))));
                    out.flush();
                    head.setLength(0);
                }
            }
        } catch (IOException e) {
            // the client went away
        }
    }
}
