package coi.incus;

import static coi.incus.FakeIncus.async;
import static coi.incus.FakeIncus.envelope;
import static coi.incus.FakeIncus.error;
import static coi.incus.FakeIncus.http;
import static coi.incus.FakeIncus.operationEnded;
import static coi.incus.FakeIncus.raw;
import static coi.incus.FakeIncus.sync;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import coi.incus.FakeIncus.Request;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The client's HTTP/1.1 handling, error mapping and operations against a scripted daemon. */
@Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class IncusClientHttpTest extends FakeIncusTest {
    private static final String SERVER = "{\"api_version\":\"1.0\",\"auth\":\"trusted\","
            + "\"environment\":{\"server_version\":\"6.0.4\",\"kernel_features\":{\"idmapped_mounts\":\"true\"}}}";


    // ---------------------------------------------------------------- bodies and connections

    @Test
    void readsAContentLengthBody() {
        fake.on("GET /1.0", sync(SERVER));

        Model.Server server = client.server();

        assertThat(server.version()).isEqualTo("6.0.4");
        assertThat(server.idmappedMounts()).isTrue();
        Request request = fake.lastRequest();
        assertThat(request.method()).isEqualTo("GET");
        assertThat(request.path()).isEqualTo("/1.0");
        assertThat(request.header("host")).isEqualTo("incus");
        assertThat(request.header("content-length")).isNull();
        assertThat(request.body()).isEmpty();
    }

    @Test
    void readsAChunkedBodyWithExtensionsAndTrailersThenReusesTheConnection() {
        String json = envelope("{\"name\":\"c1\",\"status\":\"Running\"}");
        String a = json.substring(0, 10), b = json.substring(10, 40), c = json.substring(40);
        fake.on("GET /1.0/instances/c1", raw("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n"
                + Integer.toHexString(a.length()) + "\r\n" + a + "\r\n"
                + Integer.toHexString(b.length()).toUpperCase() + ";name=value\r\n" + b + "\r\n"
                + Integer.toHexString(c.length()) + " ; ext\r\n" + c + "\r\n"
                + "0\r\nX-Trailer: one\r\nX-Other: two\r\n\r\n"));
        fake.on("GET /1.0", sync(SERVER));

        Model.Instance instance = client.instance("c1");
        Model.Server server = client.server();

        assertThat(instance.name()).isEqualTo("c1");
        assertThat(instance.running()).isTrue();
        assertThat(server.version()).as("the second answer, read after the trailers on the same connection").isEqualTo("6.0.4");
        assertThat(fake.connections()).isEqualTo(1);
    }

    @Test
    void readsABodyThatEndsWhenTheDaemonClosesAndDoesNotReuseThatConnection() {
        fake.on("GET /1.0", (request, conn) -> {
            conn.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n" + envelope(SERVER));
            conn.close();
        });

        assertThat(client.server().version()).isEqualTo("6.0.4");
        assertThat(client.server().version()).isEqualTo("6.0.4");

        assertThat(fake.connections()).isEqualTo(2);
        assertThat(fake.requests()).extracting(Request::connection).containsExactly(1, 2);
    }

    @Test
    void keepsOneConnectionAliveAcrossCalls() {
        fake.on("GET /1.0", sync(SERVER));
        fake.on("GET /1.0/instances/c1", sync("{\"name\":\"c1\",\"status\":\"Stopped\"}"));
        fake.on("DELETE /1.0/images/aliases/old", sync("{}"));

        for (int i = 0; i < 3; i++) client.server();
        client.instance("c1");
        client.deleteAlias("old");

        assertThat(fake.requests()).hasSize(5).extracting(Request::connection).containsOnly(1);
        assertThat(fake.connections()).isEqualTo(1);
        assertThat(fake.lastRequest().header("content-length")).as("a bodiless DELETE still says its length").isEqualTo("0");
    }

    @Test
    void honoursConnectionClose() {
        fake.on("GET /1.0", raw(http(200, "Connection: close\r\n", envelope(SERVER))));

        client.server();
        client.server();

        assertThat(fake.connections()).isEqualTo(2);
    }

    @Test
    void retriesOnceOnAFreshConnectionWhenTheDaemonClosedTheIdleOne() throws InterruptedException {
        CountDownLatch closed = new CountDownLatch(1);
        fake.on("GET /1.0", (request, conn) -> {
            conn.write(http(200, "", envelope(SERVER)));
            conn.close();  // as incusd does to a connection idle for 30 s
            closed.countDown();
        }, sync(SERVER));
        client.server();
        assertThat(closed.await(5, TimeUnit.SECONDS)).isTrue();

        assertThat(client.server().version()).isEqualTo("6.0.4");

        assertThat(fake.requests()).extracting(Request::connection).containsExactly(1, 2);
    }

    @Test
    void retriesOnAFreshConnectionEvenWhenSeveralIdleOnesWereClosed() throws Exception {
        // two calls at once leave two idle connections; a restarted daemon closes both
        CountDownLatch bothArrived = new CountDownLatch(2), closed = new CountDownLatch(2);
        fake.on("GET /1.0", (request, conn) -> {
            bothArrived.countDown();
            try {
                bothArrived.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            conn.write(http(200, "", envelope(SERVER)));
            conn.close();
            closed.countDown();
        });
        var concurrent = CompletableFuture.runAsync(client::server);
        client.server();
        concurrent.get(5, TimeUnit.SECONDS);
        assertThat(closed.await(5, TimeUnit.SECONDS)).isTrue();
        fake.on("GET /1.0/instances/c1", sync("{\"name\":\"c1\"}"));

        assertThat(client.instance("c1").name()).isEqualTo("c1");

        assertThat(fake.lastRequest().connection()).isEqualTo(3);
    }

    @Test
    void doesNotRetryARequestSentOnAFreshConnection() {
        fake.on("POST /1.0/images/aliases", (request, conn) -> conn.close());

        assertThatThrownBy(() -> client.createAlias("coi", "abc", ""))
                .isInstanceOf(IncusException.class)
                .hasMessageContaining("lost the connection to Incus at " + fake.socket())
                .hasMessageContaining("POST /1.0/images/aliases");
        assertThat(fake.requests()).hasSize(1);
    }

    @Test
    void sendsAChunkedMultipartBody() throws IOException {
        Path metadata = Files.writeString(dir.resolve("meta.tar.xz"), "META");
        Path rootfs = Files.write(dir.resolve("rootfs.squashfs"), new byte[70_000]);
        fake.on("POST /1.0/images", async("imp", "{}"));
        fake.on("GET /1.0/operations/imp/wait?timeout=-1", operationEnded("imp", "Success", "", "{\"fingerprint\":\"f00d\"}"));
        fake.on("POST /1.0/images/aliases", sync("{}"));

        String fingerprint = client.importImage(metadata, rootfs, "coi", Map.of("description", "coi base"));

        assertThat(fingerprint).isEqualTo("f00d");
        Request upload = fake.requests().getFirst();
        assertThat(upload.header("transfer-encoding")).isEqualTo("chunked");
        assertThat(upload.header("content-length")).isNull();
        assertThat(upload.header("x-incus-properties")).isEqualTo("description=coi%20base");
        String boundary = upload.header("content-type").replaceFirst("multipart/form-data; boundary=", "");
        String form = new String(upload.body(), StandardCharsets.ISO_8859_1);
        assertThat(form).startsWith("--" + boundary + "\r\n").endsWith("--" + boundary + "--\r\n")
                .contains("name=\"metadata\"; filename=\"meta.tar.xz\"", "\r\n\r\nMETA\r\n", "name=\"rootfs\"");
        assertThat(upload.body().length).isGreaterThan(70_000);
        assertThat(fake.lastRequest().json().path("target").asText()).isEqualTo("f00d");
        assertThat(fake.lastRequest().json().path("name").asText()).isEqualTo("coi");
    }

    @Test
    void addsTheProjectToEveryProjectScopedPath() {
        fake.on("GET /1.0/instances?recursion=2&project=work", sync("[{\"name\":\"a\"},{\"name\":\"b\"}]"));

        assertThat(client.inProject("work").instances()).extracting(Model.Instance::name).containsExactly("a", "b");
    }

    @Test
    void readsWhatALaunchPlansWithWithoutTheInstancesState() {
        fake.on("GET /1.0/instances?recursion=1", sync("[{\"name\":\"a\",\"status\":\"Running\"}]"));
        fake.on("GET /1.0/networks/incusbr0/leases", sync("[{\"hostname\":\"incusbr0.gw\",\"address\":\"10.0.0.1\",\"type\":\"gateway\"},"
                + "{\"hostname\":\"a\",\"address\":\"10.0.0.7\",\"type\":\"dynamic\"},{\"hostname\":\"a\",\"address\":\"fd42::7\",\"type\":\"dynamic\"}]"));
        fake.on("GET /1.0/images/aliases/coi", sync("{\"name\":\"coi\",\"target\":\"f00d\"}"));

        assertThat(client.instancesWithoutState()).singleElement().satisfies(i -> {
            assertThat(i.running()).isTrue();
            assertThat(i.state()).isNull();
        });
        assertThat(client.leasedIpv4("incusbr0")).as("IPv4 only").containsExactly("10.0.0.1", "10.0.0.7");
        assertThat(client.aliasTarget("coi")).isEqualTo("f00d");
    }

    // ---------------------------------------------------------------- errors

    @Test
    void mapsNotFoundWithTheDaemonsMessage() {
        fake.on("GET /1.0/instances/ghost", error(404, "Instance not found"));

        assertThatThrownBy(() -> client.instance("ghost"))
                .isInstanceOf(IncusException.NotFound.class)
                .hasMessage("Instance not found")
                .extracting(e -> ((IncusException) e).status()).isEqualTo(404);
        assertThat(client.instanceExists("ghost")).isFalse();
    }

    @Test
    void mapsConflictToAlreadyExists() {
        fake.on("POST /1.0/networks", error(409, "Network \\\"incusbr0\\\" already exists"));

        assertThatThrownBy(() -> client.createBridge("incusbr0", Map.of()))
                .isInstanceOf(IncusException.AlreadyExists.class)
                .isInstanceOf(IncusException.Conflict.class)
                .hasMessage("Network \"incusbr0\" already exists");
    }

    @Test
    void namesTheImageWhenItsAliasIsMissing() {
        fake.on("POST /1.0/instances", async("op-1", "{}"));
        fake.on("GET /1.0/operations/op-1/wait?timeout=-1", FakeIncus.operationFailed(500, "Image not provided for instance creation"));
        fake.on("GET /1.0/images/aliases/coi-custom", error(404, "Image alias not found"));

        assertThatThrownBy(() -> client.createInstance(InstanceSpec.of("c1", "coi-custom")))
                .isInstanceOf(IncusException.NotFound.class)
                .hasMessage("image 'coi-custom' not found");
    }

    @Test
    void aFailedCreateFromAnImageThatExistsKeepsTheDaemonsError() {
        fake.on("POST /1.0/instances", error(500, "Failed creating instance from image: no space left on device"));
        fake.on("GET /1.0/images/abcdef0123456789", sync("{\"fingerprint\":\"abcdef0123456789\"}"));

        assertThatThrownBy(() -> client.createInstance(InstanceSpec.of("c1", "abcdef0123456789")))
                .isExactlyInstanceOf(IncusException.class)
                .hasMessage("Failed creating instance from image: no space left on device");
        assertThat(fake.requests().getFirst().json().path("source").path("fingerprint").asText()).isEqualTo("abcdef0123456789");
    }

    @Test
    void mapsForbidden() {
        fake.on("GET /1.0/instances?recursion=2", error(403, "not authorized"));

        assertThatThrownBy(() -> client.instances())
                .isInstanceOf(IncusException.Forbidden.class)
                .hasMessage("not authorized");
    }

    @Test
    void carriesTheTextOfANonJsonError() {
        fake.on("GET /1.0", raw(http(500, "Content-Type: text/plain\r\n", "Internal Server Error: database is locked\n")));

        assertThatThrownBy(() -> client.server())
                .isExactlyInstanceOf(IncusException.class)
                .hasMessage("Internal Server Error: database is locked")
                .extracting(e -> ((IncusException) e).status()).isEqualTo(500);
    }

    @Test
    void carriesTheTextOfAPlainNotFoundFromTheRouter() {
        // Go's mux answers an unknown route with text that begins with a JSON number
        fake.on("GET /1.0/instances/c1/state", raw(http(404, "Content-Type: text/plain; charset=utf-8\r\n", "404 page not found\n")));

        assertThatThrownBy(() -> client.instanceState("c1"))
                .isInstanceOf(IncusException.NotFound.class)
                .hasMessage("404 page not found");
    }

    @Test
    void namesTheSocketAndWhatToDoWhenNothingListens() {
        Path missing = dir.resolve("nothing-here.socket");

        try (IncusClient offline = IncusClient.local(missing)) {
            assertThatThrownBy(offline::server)
                    .isInstanceOf(IncusException.Unreachable.class)
                    .hasMessageStartingWith("Incus is not reachable at " + missing)
                    .hasMessageEndingWith("is incusd running? try `coi health`");
        }
    }

    @Test
    void namesTheSocketWhenItsFileIsLeftOverFromADeadDaemon() throws IOException {
        Path stale = dir.resolve("stale.socket");
        try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            dead.bind(UnixDomainSocketAddress.of(stale));
        }
        assertThat(stale).exists();

        try (IncusClient offline = IncusClient.local(stale)) {
            assertThatThrownBy(offline::server)
                    .isInstanceOf(IncusException.Unreachable.class)
                    .hasMessage("Incus is not reachable at " + stale + ": is incusd running? try `coi health`");
        }
    }

    // ---------------------------------------------------------------- operations and ETags

    @Test
    void waitsForABackgroundOperation() {
        fake.on("POST /1.0/instances", async("op-1", "{}"));
        fake.on("GET /1.0/operations/op-1/wait?timeout=-1", operationEnded("op-1", "Success", "", "{}"));

        client.createInstance(InstanceSpec.of("c1", "coi").withStart(true).withConfig(Map.of("limits.cpu", "2")));

        Request create = fake.requests().getFirst();
        assertThat(create.header("content-type")).isEqualTo("application/json");
        assertThat(create.json().path("name").asText()).isEqualTo("c1");
        assertThat(create.json().path("start").asBoolean()).isTrue();
        assertThat(create.json().path("source").path("alias").asText()).isEqualTo("coi");
        assertThat(create.json().path("config").path("limits.cpu").asText()).isEqualTo("2");
        assertThat(fake.lastRequest().method()).isEqualTo("GET");
        assertThat(fake.requests()).hasSize(2);
    }

    @Test
    void aFailedOperationThrowsWithItsError() {
        fake.on("PUT /1.0/instances/c1/state", async("op-2", "{}"));
        fake.on("GET /1.0/operations/op-2/wait?timeout=-1",
                operationEnded("op-2", "Failure", "Failed to run: forkstart: no space left on device", "{}"));

        assertThatThrownBy(() -> client.start("c1"))
                .isExactlyInstanceOf(IncusException.class)
                .hasMessage("Failed to run: forkstart: no space left on device");
        assertThat(fake.requests().getFirst().json().path("action").asText()).isEqualTo("start");
    }

    @Test
    void updateSendsBackTheEtagOfWhatItRead() {
        fake.on("GET /1.0/instances/c1", raw(http(200, "Content-Type: application/json\r\nETag: \"3f2a9c\"\r\n",
                envelope("{\"name\":\"c1\",\"config\":{\"a\":\"1\"},\"devices\":{}}"))));
        fake.on("PUT /1.0/instances/c1", async("op-3", "{}"));
        fake.on("GET /1.0/operations/op-3/wait?timeout=-1", operationEnded("op-3", "Success", "", "{}"));

        client.setConfig("c1", "limits.memory", "2GiB");

        Request put = fake.requests().get(1);
        assertThat(put.method()).isEqualTo("PUT");
        assertThat(put.header("if-match")).isEqualTo("\"3f2a9c\"");
        assertThat(put.json().path("config").path("a").asText()).isEqualTo("1");
        assertThat(put.json().path("config").path("limits.memory").asText()).isEqualTo("2GiB");
        assertThat(fake.requests()).hasSize(3);
    }

    @Test
    void aConcurrentChangeRefusesTheUpdate() {
        fake.on("GET /1.0/instances/c1", raw(http(200, "ETag: old\r\n", envelope("{\"name\":\"c1\",\"config\":{}}"))));
        fake.on("PUT /1.0/instances/c1", error(412, "ETag doesn't match"));

        assertThatThrownBy(() -> client.setConfig("c1", "k", "v"))
                .isInstanceOf(IncusException.class)
                .hasMessage("ETag doesn't match")
                .extracting(e -> ((IncusException) e).status()).isEqualTo(412);
        assertThat(fake.lastRequest().header("if-match")).isEqualTo("old");
    }
}
