package coi.network;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;
import java.net.Inet4Address;
import java.net.InetAddress;
import javax.naming.Context;
import javax.naming.NamingException;
import javax.naming.directory.Attribute;
import javax.naming.directory.InitialDirContext;

/**
 * The outside world of the network tests, built from network namespaces that only this class
 * creates and removes (prefix {@code coitest-}); no test traffic ever leaves them and the host.
 *
 * <p>"The internet" is in 198.51.100.0/24 (TEST-NET-2), not 203.0.113.0/24: on this machine the
 * package registries resolve to 203.0.113.80, and a route over it would cut everyone off them.
 * Every test address is routed as a /32, never as a whole prefix, so that nothing else that may
 * live in these ranges is taken over. Each /32 also gets a blackhole route
 * with a worse metric, so that if our route disappears the traffic dies on the host instead of
 * following the default route out; {@link #assertRoutedLocally} checks this before every probe.
 *
 * <ul>
 *   <li>{@code coitest-inet}: "the internet", 198.51.100.{10,11,20} and a DNS server on
 *       198.51.100.53 whose answers come from {@link #answers}. Link 192.168.79.0/30.
 *   <li>{@code coitest-lan}: private hosts 192.168.77.10, 10.99.77.10, 172.16.77.10, 100.64.77.10.
 *       Link 192.168.79.4/30.
 *   <li>{@code coitest-meta}: the cloud metadata service, 169.254.169.254. Link 169.254.169.252/30.
 *   <li>a listener on the host itself, on the bridge address and on {@link #HOST_OTHER}, port {@link #HOST_PORT}.
 * </ul>
 * All namespace listeners accept TCP on port 80 and greet with their address.
 */
public final class TestHosts implements AutoCloseable {

    static final String DNS = "198.51.100.53";
    public static final List<String> INTERNET = List.of("198.51.100.10", "198.51.100.11", "198.51.100.20");
    /** On INTERNET[0]: listeners that accept and hold connections open (see {@link #holdLog}). */
    public static final List<Integer> HOLD_PORTS = List.of(9001, 4444);
    static final List<String> PRIVATE = List.of("192.168.77.10", "10.99.77.10", "172.16.77.10", "100.64.77.10", "169.254.169.254");
    static final int HOST_PORT = 18080;
    /** The host's end of the "internet" link: an address of the host that is not the bridge's. */
    static final String HOST_OTHER = "192.168.79.1";
    private static final List<String> LINKS = List.of("192.168.79.0/30", "192.168.79.4/30", "169.254.169.252/30");

    private final List<Process> servers = new ArrayList<>();
    private final List<String> namespaces = new ArrayList<>();
    private final List<String> hostRoutes = new ArrayList<>();
    private final List<String> blackholes = new ArrayList<>();
    private final Path dir;
    final Path answers;
    /** The hold listeners' log: "accept PORT EPOCH_SECONDS" and "closed PORT SECONDS_OPEN" lines. */
    public final Path holdLog;
    /**
     * The namespaces, addresses and routes are fixed, so two test runs on one machine (a developer's
     * and CI's, or two worktrees) must take turns: the lock is held until {@link #close}.
     */
    private final FileChannel lockFile;

    public TestHosts(String bridgeAddress) throws IOException {
        lockFile = FileChannel.open(Path.of("/tmp/coitest-netns.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        lockFile.lock();
        dir = Files.createTempDirectory("coitest-net");
        answers = dir.resolve("answers.json");
        holdLog = dir.resolve("hold.log");
        Path script = dir.resolve("testhost.py");
        try (InputStream in = TestHosts.class.getResourceAsStream("testhost.py")) {
            Files.write(script, in.readAllBytes());
        }
        setAnswers("{\"allowed.test\": [\"198.51.100.10\"]}");
        removeLeftovers();
        try {
            for (String prefix : guarded()) {
                Sh.must("ip", "route", "add", "blackhole", prefix, "metric", "4000");
                blackholes.add(prefix);
            }
            namespace("coitest-inet", "coitest-i0", HOST_OTHER + "/30", "192.168.79.2/30", List.of("198.51.100.10/32", "198.51.100.11/32", "198.51.100.20/32", DNS + "/32"));
            for (String a : List.of("198.51.100.10", "198.51.100.11", "198.51.100.20", DNS)) route(a, "coitest-i0");
            serve(script, "coitest-inet", "--tcp", "0.0.0.0:80", "--dns", DNS + ":53", answers.toString(),
                    "--hold", holdLog.toString(), INTERNET.getFirst() + ":" + HOLD_PORTS.get(0),
                    "--hold", holdLog.toString(), INTERNET.getFirst() + ":" + HOLD_PORTS.get(1));
            namespace("coitest-lan", "coitest-l0", "192.168.79.5/30", "192.168.79.6/30", List.of("192.168.77.10/32", "10.99.77.10/32", "172.16.77.10/32", "100.64.77.10/32"));
            for (String a : List.of("192.168.77.10", "10.99.77.10", "172.16.77.10", "100.64.77.10")) route(a, "coitest-l0");
            serve(script, "coitest-lan", "--tcp", "0.0.0.0:80");
            namespace("coitest-meta", "coitest-m0", "169.254.169.253/30", "169.254.169.254/30", List.of());
            route("169.254.169.254", "coitest-m0");
            serve(script, "coitest-meta", "--tcp", "0.0.0.0:80");
            serve(script, null, "--tcp", bridgeAddress + ":" + HOST_PORT, "--tcp", HOST_OTHER + ":" + HOST_PORT);
            assertRoutedLocally();
        } catch (RuntimeException | IOException e) {
            close();
            throw e;
        }
    }

    private static List<String> guarded() {
        List<String> all = new ArrayList<>(LINKS);
        INTERNET.forEach(a -> all.add(a + "/32"));
        PRIVATE.forEach(a -> all.add(a + "/32"));
        all.add(DNS + "/32");
        return all;
    }

    void setAnswers(String json) throws IOException {
        Path tmp = dir.resolve("answers.tmp");
        Files.writeString(tmp, json);
        Files.move(tmp, answers, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    /** Resolves like a host resolver would, but asks only the test DNS server. */
    static AllowlistResolver.HostResolver resolver() {
        return host -> {
            assertRoutedLocally();
            var env = new Hashtable<String, String>();
            env.put(Context.INITIAL_CONTEXT_FACTORY, "com.sun.jndi.dns.DnsContextFactory");
            env.put(Context.PROVIDER_URL, "dns://" + DNS);
            env.put("com.sun.jndi.dns.timeout.retries", "1");
            try {
                var ctx = new InitialDirContext(env);
                Attribute a = ctx.getAttributes(host, new String[] {"A"}).get("A");
                List<Inet4Address> out = new ArrayList<>();
                for (int i = 0; a != null && i < a.size(); i++) out.add((Inet4Address) InetAddress.getByName((String) a.get(i)));
                return out;
            } catch (NamingException e) {
                throw new IOException("cannot resolve " + host + ": " + e.getMessage(), e);
            }
        };
    }

    /** Every test address must route into one of our namespaces; anything else would leave the machine. */
    public static void assertRoutedLocally() {
        List<String> targets = new ArrayList<>(INTERNET);
        targets.addAll(PRIVATE);
        targets.add(DNS);
        for (String t : targets) {
            String route = Sh.must("ip", "-4", "route", "get", t);
            if (!route.matches("(?s).*dev coitest-[ilm]0.*")) {
                throw new IllegalStateException("test address " + t + " does not route into a test namespace, refusing to send traffic: " + route.strip());
            }
        }
    }

    /** A run that was killed leaves its namespaces and routes behind; they are ours by name. */
    private static void removeLeftovers() {
        for (String net : guarded()) {
            for (int i = 0; i < 3 && !Sh.run("ip", "route", "show", "exact", net).out().isBlank(); i++) Sh.run("ip", "route", "del", net);
        }
        for (String ns : List.of("coitest-inet", "coitest-lan", "coitest-meta")) {
            if (Files.exists(Path.of("/run/netns", ns))) Sh.run("ip", "netns", "del", ns);
        }
    }

    private void namespace(String ns, String hostSide, String hostAddr, String nsAddr, List<String> extra) {
        awaitGone(hostSide);
        Sh.must("ip", "netns", "add", ns);
        namespaces.add(ns);
        Sh.must("ip", "link", "add", hostSide, "type", "veth", "peer", "name", "eth0", "netns", ns);
        Sh.must("ip", "addr", "add", hostAddr, "dev", hostSide);
        Sh.must("ip", "link", "set", hostSide, "up");
        Sh.must("ip", "-n", ns, "addr", "add", nsAddr, "dev", "eth0");
        for (String a : extra) Sh.must("ip", "-n", ns, "addr", "add", a, "dev", "eth0");
        Sh.must("ip", "-n", ns, "link", "set", "eth0", "up");
        Sh.must("ip", "-n", ns, "link", "set", "lo", "up");
        // No default route in the namespace: replies go to the host's on-link address (the
        // bridge NAT rewrites container sources to it), and nothing can leave towards the real network.
    }

    /**
     * The kernel destroys a deleted namespace's veth pair asynchronously: right after an earlier
     * run's close the host side may still exist, and adding it again would fail with "File exists".
     */
    private static void awaitGone(String hostSide) {
        for (int i = 0; i < 100 && Sh.run("ip", "link", "show", hostSide).code() == 0; i++) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        if (Sh.run("ip", "link", "show", hostSide).code() == 0) Sh.run("ip", "link", "del", hostSide);
    }

    // A /32 on the link (the namespace answers ARP for all its addresses): it must beat the /32 blackhole.
    private void route(String address, String dev) {
        Sh.must("ip", "route", "add", address + "/32", "dev", dev);
        hostRoutes.add(address + "/32");
    }

    private void serve(Path script, String ns, String... args) throws IOException {
        List<String> argv = new ArrayList<>(ns == null ? List.of() : List.of("ip", "netns", "exec", ns));
        argv.addAll(List.of("/usr/bin/python3", script.toString()));
        argv.addAll(List.of(args));
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        servers.add(p);
        String first = new String(p.getInputStream().readNBytes(6));
        if (!first.equals("ready\n")) throw new IllegalStateException("test host " + argv + " did not start: " + first);
    }

    /** The port of {@link #serveGit}'s daemon: git's own. */
    public static final int GIT_PORT = 9418;

    /**
     * A read-only git daemon on the "internet" host {@code INTERNET[2]} serving the repositories
     * under {@code base} ({@code git://198.51.100.20/NAME}) until {@link #close}; returns once it accepts.
     */
    public void serveGit(Path base) throws IOException, InterruptedException {
        assertRoutedLocally();
        String host = INTERNET.get(2);
        Process p = new ProcessBuilder("ip", "netns", "exec", "coitest-inet", "git", "daemon", "--export-all", "--reuseaddr",
                "--base-path=" + base, "--listen=" + host, "--port=" + GIT_PORT, base.toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        servers.add(p);
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (true) {
            try (var probe = new java.net.Socket()) {
                probe.connect(new java.net.InetSocketAddress(host, GIT_PORT), 1000);
                return;
            } catch (IOException notYet) {
                if (!p.isAlive() || System.nanoTime() > deadline) throw new IllegalStateException("git daemon on " + host + " did not start", notYet);
                Thread.sleep(100);
            }
        }
    }

    @Override
    public void close() {
        for (Process p : servers) {
            p.destroy();
            try {
                p.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (String net : hostRoutes) Sh.run("ip", "route", "del", net, "metric", "0");
        // Deleting a namespace destroys its veth end, and with it the host side.
        for (String ns : namespaces) Sh.run("ip", "netns", "del", ns);
        // Last: the blackholes guard the real routes until those are gone.
        for (String prefix : blackholes) Sh.run("ip", "route", "del", "blackhole", prefix, "metric", "4000");
        Sh.run("rm", "-rf", "--", dir.toString());
        try {
            lockFile.close();
        } catch (IOException e) {
            // closing releases the lock; a failure here leaves nothing held by this process
        }
    }
}
