package coi.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The native waiter (target/coi-waiter, built by Maven in the compile phase) against a stand-in for
 * the daemon's events websocket on a temporary unix socket: when it wakes, it execs its "launcher",
 * here a script that leaves a file. A launch's events wake it only once they have settled; a coi
 * command's connection to its socket wakes it at once; what does not name coi's prefix never does.
 * Only absences are asserted early (a loaded machine can only make the waiter later); presences are
 * awaited with room to spare.
 */
class WaiterBinaryTest {
    private static final String PREFIX = "coitest-unit-";
    private static final Path BINARY = Path.of("target/coi-waiter");

    @TempDir
    Path dir;
    private ServerSocketChannel server;
    private SocketChannel stream;
    private Process waiter;
    private Path woken;

    @BeforeEach
    void start() throws Exception {
        assertThat(BINARY).as("built by mvn compile").isExecutable();
        Path socket = dir.resolve("incus.socket");
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        woken = dir.resolve("woken");
        Path launcher = Files.writeString(dir.resolve("launcher"), "#!/bin/sh\necho \"$1\" > '" + woken + "'\n");
        Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwx------"));
        Path sessions = Files.createDirectories(dir.resolve("sessions"));
        Path pool = Files.createDirectories(sessions.resolve("pool"));
        waiter = new ProcessBuilder(BINARY.toString(), socket.toString(), "/1.0/events?type=lifecycle", PREFIX, sessions.toString(), "0",
                pool.toString(), launcher.toString()).redirectError(dir.resolve("waiter.log").toFile()).start();
        stream = server.accept();
        String request = readHeaders(stream);
        assertThat(request).startsWith("GET /1.0/events?type=lifecycle HTTP/1.1").contains("Upgrade: websocket");
        stream.write(ByteBuffer.wrap("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII)));
        assertThat(new String(waiter.getInputStream().readNBytes(11), StandardCharsets.US_ASCII)).isEqualTo("subscribed\n");
        // the supervisor's word: go on, then the end of the pipe (its lock released)
        try (OutputStream word = waiter.getOutputStream()) {
            word.write('g');
        }
        awaitLog("waiting (pid");
    }

    @AfterEach
    void stop() throws IOException {
        waiter.destroyForcibly();
        stream.close();
        server.close();
    }

    @Test
    void aLaunchsEventsWakeItOnlyOnceTheyHaveSettled() throws Exception {
        event("instance-created", PREFIX + "0a1b2c3d-1");
        Thread.sleep(700);
        event("instance-started", PREFIX + "0a1b2c3d-1");
        long last = System.nanoTime();
        Thread.sleep(700);
        boolean early = Files.exists(woken);
        long looked = (System.nanoTime() - last) / 1_000_000;
        // settled means 2 s without an event: a look within that (this thread may itself be late on a loaded machine) finds it waiting
        if (looked < 1900) assertThat(early).as("looked %d ms after the burst's last event", looked).isFalse();
        awaitWoken();
        assertThat((System.nanoTime() - last) / 1_000_000).as("woken after the events settled").isGreaterThanOrEqualTo(1900);
        assertThat(Files.readString(woken)).isEqualTo("__watch\n");
        assertThat(log()).contains("woken (an event names a coi container): starting the supervisor");
        assertThat(dir.resolve("sessions/waiter.sock")).as("gone with the waiter: the supervisor does not listen").doesNotExist();
    }

    @Test
    void eventsThatKeepComingWakeItAtTheLatestSixSecondsAfterTheFirst() throws Exception {
        long first = System.nanoTime();
        boolean gone = false;
        int sent = 0;
        for (; sent < 25 && !gone && !Files.exists(woken); sent++) {
            try {
                event("instance-exec", PREFIX + "0a1b2c3d-1");
            } catch (IOException closed) {
                gone = true; // it woke and became the launcher since the look: its end of the stream is closed
            }
            Thread.sleep(1000);
        }
        awaitWoken();
        assertThat(sent).as("woken while events still came every second").isLessThan(25);
        System.out.printf("woken %.1f s after the first of events a second apart%n", (System.nanoTime() - first) / 1e9);
    }

    @Test
    void aCoiCommandsConnectionWakesItAtOnce() throws Exception {
        event("instance-created", PREFIX + "0a1b2c3d-1");
        Path socket = dir.resolve("sessions/waiter.sock");
        assertThat(socket).exists();
        Watcher.poke(dir.resolve("sessions"));
        awaitWoken();
        assertThat(log()).contains("woken (a coi command asked for the supervisor)");
        assertThat(socket).doesNotExist();
        // the supervisor it became does not listen: a command's word then goes nowhere, and says nothing
        Watcher.poke(dir.resolve("sessions"));
    }

    @Test
    void eventsOfOtherContainersDoNotWakeIt() throws Exception {
        event("instance-created", "someone-elses-1");
        event("instance-started", "someone-elses-1");
        Thread.sleep(SETTLE_MAX_MS + 1000);
        assertThat(woken).doesNotExist();
        Watcher.poke(dir.resolve("sessions"));
        awaitWoken();
    }

    private static final long SETTLE_MAX_MS = 6000;

    /** One lifecycle event as Incus sends it: an unmasked text frame. */
    private void event(String action, String name) throws IOException {
        byte[] json = ("{\"metadata\":{\"action\":\"" + action + "\",\"name\":\"" + name + "\",\"source\":\"/1.0/instances/" + name
                + "\"},\"type\":\"lifecycle\"}").getBytes(StandardCharsets.UTF_8);
        ByteBuffer frame = ByteBuffer.allocate(4 + json.length).put((byte) 0x81);
        if (json.length < 126) frame.put((byte) json.length);
        else frame.put((byte) 126).putShort((short) json.length);
        frame.put(json).flip();
        while (frame.hasRemaining()) stream.write(frame);
    }

    private void awaitWoken() throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline && !(Files.exists(woken) && Files.size(woken) > 0)) Thread.sleep(50);
        assertThat(woken).as("woken; log:\n" + log()).exists();
    }

    private void awaitLog(String text) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline && !log().contains(text)) Thread.sleep(20);
        assertThat(log()).contains(text);
    }

    private String log() throws IOException {
        Path log = dir.resolve("waiter.log");
        return Files.exists(log) ? Files.readString(log) : "";
    }

    private static String readHeaders(SocketChannel channel) throws IOException {
        StringBuilder text = new StringBuilder();
        ByteBuffer one = ByteBuffer.allocate(1);
        while (text.indexOf("\r\n\r\n") < 0) {
            one.clear();
            if (channel.read(one) < 0) break;
            text.append((char) one.get(0));
        }
        return text.toString();
    }
}
