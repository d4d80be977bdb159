package coi.incus;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * What the first request to Incus initialises, done on a thread of its own while a command does
 * something else first (`coi run` and `coi shell` read their config): the unix socket library
 * ({@link NativeUnixSocket}), or without it the JDK's unix-domain sockets and selectors (a provider
 * lookup, and a SecureRandom they seed), the JSON reader and Jackson's nodes ({@link JsonReader}),
 * SHA-256 ({@link #digest}), java.time's ISO parsers, and then the ObjectMapper, which a launch's
 * first request body needs (and `coi shell`'s request for pool refills before it plans). Each took
 * milliseconds to tens of them of a session's start, however warm the AOT cache.
 * Opens no connection and reads nothing: without the library a socket is made and closed unconnected.
 */
public final class Warmup {
    private static final byte[] ANSWER = """
            {"type":"sync","status":"Success","status_code":200,"metadata":[{"name":"a","ephemeral":false,"pid":1,"n":null}]}
            """.getBytes(StandardCharsets.UTF_8);

    private Warmup() {}

    /**
     * Starts the warm-up; returns at once. {@code terminal}: the JDK's {@link java.io.Console} is
     * looked up too, for a session that attaches ({@link Terminal#interactive}, asked just before
     * its launch): a service-loader walk over the JDK's console providers (the line editor's among
     * them), about 10 ms of the main thread; its answer is kept for the process.
     */
    public static void start(boolean terminal) {
        Thread.ofPlatform().daemon().name("coi-warmup").start(() -> {
            sockets();
            JsonTree.parse(ANSWER);
            digest();
            // java.time's ISO parsers, which a launch's git guard asks first for the instances' last starts (GitGuard.lastStart):
            // their formatters are built at first use, 4-14 ms of the main thread of a pooled run (2026-12-08)
            java.time.Instant.parse("2026-12-08T00:00:00.123456789Z");
            Json.object();
            if (terminal) Terminal.interactive();
            // what System.exit asks first (Shutdown.logRuntimeExit): its logger starts java.util.logging, 15-20 ms of a
            // fresh JVM that a session's command paid after its end; asked here, the exit finds it made
            System.getLogger("java.lang.Runtime").isLoggable(System.Logger.Level.DEBUG);
        });
    }

    /**
     * For a command that only reads (`coi list`, `coi container exists`): the socket and the JSON
     * reader, each on a thread of its own beside the config's reading, and no ObjectMapper, which it
     * never builds.
     */
    public static void startForQueries() {
        Thread.ofPlatform().daemon().name("coi-warmup-socket").start(Warmup::sockets);
        Thread.ofPlatform().daemon().name("coi-warmup-json").start(() -> JsonTree.parse(ANSWER));
    }

    /**
     * SHA-256, which a launch's plan asks for (the workspace's lock and record names, the container's name): its
     * first {@link MessageDigest#getInstance} starts the security framework (the providers' list, the SUN provider's
     * services), 25-30 ms of the main thread of a `coi run` measured here.
     */
    private static void digest() {
        try {
            MessageDigest.getInstance("SHA-256").digest(ANSWER);
        } catch (NoSuchAlgorithmException e) {
            // the plan's own call says so
        }
    }

    /** The library's load when bin/coi names it (the JDK's channel is then not used), else the JDK's channel. */
    private static void sockets() {
        if (NativeUnixSocket.available()) return;
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX); Selector selector = Selector.open()) {
            channel.configureBlocking(false);
        } catch (IOException ignored) {
            // nothing was asked of it: the real request meets the same failure and says it
        }
    }
}
