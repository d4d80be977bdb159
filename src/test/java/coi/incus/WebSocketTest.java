package coi.incus;

import static coi.incus.FakeIncus.WsPeer.BINARY;
import static coi.incus.FakeIncus.WsPeer.CLOSE;
import static coi.incus.FakeIncus.WsPeer.CONTINUATION;
import static coi.incus.FakeIncus.WsPeer.PING;
import static coi.incus.FakeIncus.WsPeer.PONG;
import static coi.incus.FakeIncus.WsPeer.TEXT;
import static coi.incus.FakeIncus.error;
import static coi.incus.FakeIncus.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import coi.incus.FakeIncus.WsPeer;
import coi.incus.FakeIncus.WsPeer.Frame;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The client websocket (RFC 6455) and the events stream, against a server played by the test. */
@Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class WebSocketTest extends FakeIncusTest {

    // ---------------------------------------------------------------- handshake

    @Test
    void computesTheAcceptValueOfRfc6455() {
        assertThat(WebSocket.accept("dGhlIHNhbXBsZSBub25jZQ==")).isEqualTo("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    }

    @Test
    void upgradesWithAFreshKeyAndChecksTheAnswer() throws Exception {
        fake.on("GET /ws", fake.upgrade());

        try (WebSocket ws = connection.websocket("/ws"); WebSocket again = connection.websocket("/ws")) {
            var first = fake.websocket().request();
            var second = fake.websocket().request();
            assertThat(first.header("connection")).isEqualTo("Upgrade");
            assertThat(first.header("upgrade")).isEqualTo("websocket");
            assertThat(first.header("sec-websocket-version")).isEqualTo("13");
            assertThat(Base64.getDecoder().decode(first.header("sec-websocket-key"))).hasSize(16);
            assertThat(second.header("sec-websocket-key")).isNotEqualTo(first.header("sec-websocket-key"));
        }
    }

    @Test
    void rejectsAWrongAcceptValue() {
        fake.on("GET /ws", fake.upgradeWith(Base64.getEncoder().encodeToString(new byte[20])));

        assertThatThrownBy(() -> connection.websocket("/ws"))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("wrong Sec-WebSocket-Accept");
    }

    @Test
    void aRefusedUpgradeCarriesTheDaemonsError() {
        fake.on("GET /1.0/events?type=lifecycle", error(403, "not authorized"));

        assertThatThrownBy(() -> client.events("lifecycle", e -> { }))
                .isInstanceOf(IncusException.Forbidden.class)
                .hasMessage("not authorized");
    }

    @Test
    void aBadHandshakeIsNotReportedAsAnUnreachableDaemon() {
        fake.on("GET /1.0/events?type=lifecycle", fake.upgradeWith("bm90IHRoZSByaWdodCBvbmU="));

        assertThatThrownBy(() -> client.events("lifecycle", e -> { }))
                .isInstanceOf(IncusException.class)
                .isNotInstanceOf(IncusException.Unreachable.class)
                .hasMessageContaining(fake.socket().toString())
                .hasMessageContaining("wrong Sec-WebSocket-Accept");
    }

    @Test
    void anAbsentDaemonIsUnreachableForEventsToo() {
        try (IncusClient offline = IncusClient.local(dir.resolve("none.socket"))) {
            assertThatThrownBy(() -> offline.events("lifecycle", e -> { }))
                    .isInstanceOf(IncusException.Unreachable.class)
                    .hasMessageContaining("none.socket")
                    .hasMessageEndingWith("try `coi health`");
        }
    }

    // ---------------------------------------------------------------- frames

    @Test
    void masksEveryClientFrame() throws Exception {
        fake.on("GET /ws", fake.upgrade());
        byte[] medium = randomBytes(300), large = randomBytes(70_000);

        try (WebSocket ws = connection.websocket("/ws")) {
            WsPeer server = fake.websocket();
            ws.sendText("hello");
            ws.sendBinary(medium, 0, medium.length);
            ws.sendBinary(large, 5, large.length - 5);
            ws.sendClose();

            Frame text = server.read(), mid = server.read(), big = server.read(), close = server.read();
            assertThat(List.of(text, mid, big, close)).allSatisfy(f -> {
                assertThat(f.masked()).isTrue();
                assertThat(f.fin()).isTrue();
            });
            assertThat(text.opcode()).isEqualTo(TEXT);
            assertThat(text.text()).isEqualTo("hello");
            assertThat(mid.opcode()).isEqualTo(BINARY);
            assertThat(mid.lengthCode()).isEqualTo(126);
            assertThat(mid.payload()).isEqualTo(medium);
            assertThat(big.lengthCode()).isEqualTo(127);
            assertThat(big.payload()).isEqualTo(Arrays.copyOfRange(large, 5, large.length));
            assertThat(close.opcode()).isEqualTo(CLOSE);
            assertThat(close.closeCode()).isEqualTo(1000);
        }
    }

    @Test
    void answersPingWithPongCarryingTheSamePayload() throws Exception {
        fake.on("GET /ws", fake.upgrade());

        try (WebSocket ws = connection.websocket("/ws")) {
            WsPeer server = fake.websocket();
            CompletableFuture<WebSocket.Message> received = receiveAsync(ws);
            server.send(true, PING, utf8("are you there"));

            Frame pong = server.read();
            assertThat(pong.opcode()).isEqualTo(PONG);
            assertThat(pong.masked()).isTrue();
            assertThat(pong.text()).isEqualTo("are you there");
            assertThat(received).isNotDone();

            server.sendText("after the ping");
            assertThat(received.get(5, TimeUnit.SECONDS).asText()).isEqualTo("after the ping");
        }
    }

    @Test
    void reassemblesFragmentedMessagesAroundControlFrames() throws Exception {
        fake.on("GET /ws", fake.upgrade());

        try (WebSocket ws = connection.websocket("/ws")) {
            WsPeer server = fake.websocket();
            server.send(false, TEXT, utf8("Hel"));
            server.send(true, PING, utf8("mid"));
            server.send(false, CONTINUATION, utf8("lo, "));
            server.send(true, CONTINUATION, utf8("world"));
            server.send(false, BINARY, new byte[] {1, 2});
            server.send(true, CONTINUATION, new byte[] {3});

            WebSocket.Message text = ws.receive(), binary = ws.receive();

            assertThat(text.text()).isTrue();
            assertThat(text.asText()).isEqualTo("Hello, world");
            assertThat(binary.text()).isFalse();
            assertThat(binary.data()).containsExactly(1, 2, 3);
            assertThat(server.read().opcode()).isEqualTo(PONG);
        }
    }

    @Test
    void readsSixteenAndSixtyFourBitLengths() throws Exception {
        fake.on("GET /ws", fake.upgrade());
        byte[] medium = randomBytes(65_535), large = randomBytes(200_000);

        try (WebSocket ws = connection.websocket("/ws")) {
            WsPeer server = fake.websocket();
            CompletableFuture<List<WebSocket.Message>> received = CompletableFuture.supplyAsync(() -> {
                try {
                    return List.of(ws.receive(), ws.receive(), ws.receive());
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            server.sendBinary(new byte[126]);
            server.sendBinary(medium);
            server.sendBinary(large);

            List<WebSocket.Message> messages = received.get(5, TimeUnit.SECONDS);
            assertThat(messages.get(0).data()).hasSize(126);
            assertThat(messages.get(1).data()).isEqualTo(medium);
            assertThat(messages.get(2).data()).isEqualTo(large);
        }
    }

    @Test
    void aCloseFrameEndsReceivingAndIsAnswered() throws Exception {
        fake.on("GET /ws", fake.upgrade());

        try (WebSocket ws = connection.websocket("/ws")) {
            WsPeer server = fake.websocket();
            server.sendText("last words");
            server.sendClose(1001);

            assertThat(ws.receive().asText()).isEqualTo("last words");
            assertThat(ws.receive()).isNull();
            ws.sendText("too late");
            ws.close();

            Frame answer = server.read();
            assertThat(answer.opcode()).isEqualTo(CLOSE);
            assertThat(answer.masked()).isTrue();
            assertThat(answer.closeCode()).isEqualTo(1001);
            assertThat(server.atEnd()).as("nothing is sent after the close frame").isTrue();
        }
    }

    @Test
    void theDaemonHangingUpEndsReceiving() throws Exception {
        fake.on("GET /ws", fake.upgrade());

        try (WebSocket ws = connection.websocket("/ws")) {
            fake.websocket().close();

            assertThat(ws.receive()).isNull();
        }
    }

    // ---------------------------------------------------------------- events

    @Test
    void deliversEventsToTheListenerUntilTheDaemonCloses() throws Exception {
        fake.on("GET /1.0/events?type=lifecycle%2Coperation", fake.upgrade());
        List<JsonNode> events = new CopyOnWriteArrayList<>();

        try (EventStream stream = client.events("lifecycle,operation", events::add)) {
            WsPeer server = fake.websocket();
            server.sendText("{\"type\":\"lifecycle\",\"metadata\":{\"action\":\"instance-started\",\"source\":\"/1.0/instances/c1\"}}");
            server.send(true, PING, utf8("keepalive"));
            assertThat(server.read()).satisfies(pong -> {
                assertThat(pong.opcode()).isEqualTo(PONG);
                assertThat(pong.text()).isEqualTo("keepalive");
            });
            server.send(false, TEXT, utf8("{\"type\":\"operation\","));
            server.send(true, CONTINUATION, utf8("\"metadata\":{\"status\":\"Success\"}}"));
            server.sendClose(1000);

            Assertions.assertTimeoutPreemptively(Duration.ofSeconds(5), stream::awaitEnd);
            assertThat(stream.ended()).isTrue();
            assertThat(server.read().opcode()).isEqualTo(CLOSE);
        }
        assertThat(events).extracting(e -> e.path("type").asText()).containsExactly("lifecycle", "operation");
        assertThat(events.getFirst().path("metadata").path("action").asText()).isEqualTo("instance-started");
        assertThat(events.get(1).path("metadata").path("status").asText()).isEqualTo("Success");
    }

    @Test
    void subscribesInTheClientsProject() throws Exception {
        fake.on("GET /1.0/events?type=lifecycle&project=work", fake.upgrade());

        try (EventStream stream = client.inProject("work").events("lifecycle", e -> { })) {
            assertThat(fake.websocket().request().path()).isEqualTo("/1.0/events?type=lifecycle&project=work");
            assertThat(stream.ended()).isFalse();
        }
    }

    private static CompletableFuture<WebSocket.Message> receiveAsync(WebSocket ws) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return ws.receive();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        new Random(n).nextBytes(b);
        return b;
    }
}
