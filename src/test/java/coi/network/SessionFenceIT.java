package coi.network;

import static org.assertj.core.api.Assertions.assertThat;

import coi.incus.IncusClient;
import coi.incus.Retries;
import coi.testing.CoiProcess;
import coi.testing.CoiProcess.Result;
import coi.testing.Sandbox;
import coi.testing.TestIncus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The network modes as a user gets them from `coi run` and `coi shell`, proven by traffic from
 * inside real session containers to the test hosts (network namespaces made by {@link TestHosts}).
 */
@Tag("incus")
@org.junit.jupiter.api.TestMethodOrder(org.junit.jupiter.api.MethodOrderer.OrderAnnotation.class)
class SessionFenceIT {
    static TestHosts hosts;
    static String gateway;
    /** One probe line per target: "target open" or "target closed". */
    /**
     * Each target tried twice: an allowed one whose first SYN was lost under load (CI saw that once) is still open, and a
     * blocked one gets a second chance to get through. A closed one says how the last try failed (timed out, refused, no
     * route), for a failure's message.
     */
    static final String PROBE = "for t in %s; do h=${t%%:*}; p=80; [ \"$h\" != \"$t\" ] && p=${t##*:};"
            + " if nc -z -w 2 $h $p 2>/tmp/probe.err || nc -z -w 2 $h $p 2>/tmp/probe.err; then echo \"$t open\";"
            + " else echo \"$t closed ($(tr '\\n' ' ' </tmp/probe.err | head -c 100))\"; fi; done";

    @BeforeAll
    static void worldUp() throws Exception {
        TestIncus.client().close();
        gateway = TestContainers.bridge("incusbr0").gateway().getHostAddress();
        hosts = new TestHosts(gateway);
    }

    @AfterAll
    static void worldDown() {
        if (hosts != null) hosts.close();
    }

    static Result probe(Sandbox box, String network, String... targets) {
        TestHosts.assertRoutedLocally();
        return box.run("run", "--network", network, PROBE.formatted(String.join(" ", targets)));
    }

    @Test
    void restrictedRunReachesTheInternetButNotPrivateRangesMetadataOrTheHost() {
        try (Sandbox box = new Sandbox()) {
            Result r = probe(box, "restricted", "198.51.100.10", "198.51.100.20", "192.168.77.10", "10.99.77.10", "172.16.77.10",
                    "100.64.77.10", "169.254.169.254", gateway + ":" + TestHosts.HOST_PORT, TestHosts.HOST_OTHER + ":" + TestHosts.HOST_PORT);
            assertThat(r.exitCode()).as(r.toString()).isZero();
            // CI of 8928d9f once read both internet hosts closed here (all tries timed out), every later probe of them open:
            // the message then says how the tries failed and how the host routes them
            // CI of e4f67eb read it again (the open run just before reached both): the neighbours of the bridge and of the
            // test host are added to the message, to tell a reply sent to a stale address from a drop
            assertThat(r.out()).as(() -> r + "host: " + Sh.run("ip", "route", "get", "198.51.100.10") + Sh.run("ip", "-n", "coitest-inet", "-br", "addr")
                            + Sh.run("ip", "neigh", "show", "dev", "incusbr0") + Sh.run("ip", "-n", "coitest-inet", "neigh")
                            + Sh.run("nft", "list", "table", "bridge", "coi"))
                    .contains("198.51.100.10 open", "198.51.100.20 open", "192.168.77.10 closed", "10.99.77.10 closed",
                    "172.16.77.10 closed", "100.64.77.10 closed", "169.254.169.254 closed",
                    gateway + ":" + TestHosts.HOST_PORT + " closed", TestHosts.HOST_OTHER + ":" + TestHosts.HOST_PORT + " closed");
        }
    }

    @Test
    void openRunReachesEverythingTheOtherModesBlock() {
        try (Sandbox box = new Sandbox()) {
            Result r = probe(box, "open", "198.51.100.10", "192.168.77.10", "169.254.169.254");
            assertThat(r.out()).as(r.toString()).contains("198.51.100.10 open", "192.168.77.10 open", "169.254.169.254 open");
        }
    }

    @Test
    void allowlistRunReachesOnlyTheListedAddressesAndHasNoDns() throws Exception {
        try (Sandbox box = new Sandbox()) {
            Path config = box.root.resolve("allow.toml");
            Files.writeString(config, "[network]\nmode = \"allowlist\"\nallowed_domains = [\"198.51.100.10\", \"192.168.77.10\"]\n");
            TestHosts.assertRoutedLocally();
            Result r = box.coi().env("COI_CONFIG", config.toString()).run("run",
                    PROBE.formatted("198.51.100.10 198.51.100.11 192.168.77.10 169.254.169.254")
                            + "; if timeout 5 getent hosts deb.debian.org; then echo dns open; else echo dns closed; fi");
            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertThat(r.out()).contains("198.51.100.10 open", "198.51.100.11 closed",
                    "192.168.77.10 closed", "169.254.169.254 closed", "dns closed");
        }
    }

    @Test
    void shellSessionsAreFencedShowTheirModeAndBlockedCountAndTheirRulesGoWithThem() throws Exception {
        try (Sandbox box = new Sandbox(); IncusClient incus = TestIncus.client()) {
            assertThat(box.run("shell", "--detach").exitCode()).isZero();
            String name = box.container(1);
            NetworkFence fence = RootFence.of();
            assertThat(fence.fenced()).contains(name);
            TestHosts.assertRoutedLocally();
            Result blocked = box.run("container", "exec", name, "--", "sh", "-c", "sleep 3; nc -z -w 2 192.168.77.10 80 || echo blocked");
            assertThat(blocked.out()).contains("blocked");
            assertThat(fence.blockedCount(name)).isPositive();
            Result list = box.run("list", "--format", "json");
            assertThat(list.out()).contains("\"network\" : \"restricted\"").containsPattern("\"blocked\" : [1-9]");

            Result flush = box.run("container", "exec", name, "--", "sh", "-c",
                    "sudo ip route add 192.168.77.0/24 dev eth0 2>&1; sudo ip addr add 10.147.83.250/24 dev eth0 2>&1;"
                            + " nc -z -w 2 -s 10.147.83.250 192.168.77.10 80 || echo still-blocked");
            assertThat(flush.out()).as("root inside cannot route or spoof around the host rules").contains("still-blocked");

            Result kill = box.run("kill", name);
            assertThat(kill.exitCode()).as(kill.toString()).isZero();
            assertThat(fence.fenced()).as("rules gone after kill").doesNotContain(name);
        }
    }

    /**
     * First in the class: a background process of a session here (another test's, another sandbox's) that sees the container
     * go removes its rules too (every launch and supervisor sweeps the rules of gone containers), and a fresh one does it
     * before `coi clean` looks; those of earlier classes have handed over to their waiters and wake too slowly for that.
     */
    @Test
    @org.junit.jupiter.api.Order(1)
    void cleanRemovesTheRulesOfAContainerThatVanishedBehindCoisBack() throws Exception {
        try (Sandbox box = new Sandbox(); IncusClient incus = TestIncus.client()) {
            ProcessBuilder pb = new ProcessBuilder(CoiProcess.launcher().toString(), "run", "sleep 120").directory(box.workspace.toFile());
            box.env().forEach(pb.environment()::put);
            Process coi = pb.redirectErrorStream(true).start();
            String name = box.container(1);
            NetworkFence fence = RootFence.of();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            // the container too: the rules go in beside its create, and a create still under way when coi is killed
            // would make it after the delete below
            while (System.nanoTime() < deadline && !(fence.fenced().contains(name) && incus.instanceExists(name))) Thread.sleep(100);
            assertThat(fence.fenced()).contains(name);
            coi.toHandle().destroyForcibly();
            coi.waitFor();
            Retries.delete(incus, name);
            assertThat(fence.fenced()).as("orphaned rules").contains(name);
            Result clean = box.run("clean", "--force");
            // "fenced now" empty: something else removed them first (see above)
            assertThat(clean.out()).as(() -> clean + "fenced now: " + fence.fenced()).contains("removed network rules of " + name);
            assertThat(fence.fenced()).doesNotContain(name);
        }
    }

    /**
     * Sends DHCP as root from inside: {@code request} asks the bridge's dnsmasq to lease the address to a made-up client
     * ({@code MAC}), {@code release} gives it back. How the client is made up and the message sent: {@code plain}, one
     * datagram (broadcast, as a client without an address sends it); {@code big}, padded past the MTU, so the kernel
     * sends it in fragments; {@code split}, two fragments made by hand, the first ending 8 bytes into the message, before
     * the client's MAC; {@code gso}, one UDP GSO packet holding a request for the container's own MAC and then the made-up
     * one; {@code hlen0}, a client with no hardware address and a made-up client id; {@code clid}, the container's own
     * MAC with a made-up client id.
     */
    static final String DHCP = """
            import socket, struct, sys, os
            op, how, mac, address, server = sys.argv[1:6]
            own = bytes.fromhex(open('/sys/class/net/eth0/address').read().strip().replace(':', ''))
            fake = bytes.fromhex(mac.replace(':', ''))
            def opt(code, data): return bytes([code, len(data)]) + data
            def message(typ, chaddr, hlen, ciaddr, options):
                head = struct.pack('!BBBB4sHH4s4s4s4s', 1, 1, hlen, 0, os.urandom(4), 0, 0x8000 if typ == 3 else 0,
                                   ciaddr, bytes(4), bytes(4), bytes(4))
                return head + chaddr.ljust(16, b'\\0') + bytes(192) + b'\\x63\\x82\\x53\\x63' + opt(53, bytes([typ])) + options + b'\\xff'
            chaddr, hlen, clid = {'hlen0': (b'', 0, opt(61, b'\\0' + fake)), 'clid': (own, 6, opt(61, b'\\0' + fake))}.get(how, (fake, 6, b''))
            ip = socket.inet_aton(address)
            if op == 'request':
                msg = message(3, chaddr, hlen, bytes(4), opt(50, ip) + clid)
            else:
                msg = message(7, chaddr, hlen, ip, opt(54, socket.inet_aton(server)) + clid)
            if how == 'split':
                probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                probe.connect((server, 67))
                src = probe.getsockname()[0]
                udp = struct.pack('!HHHH', 68, 67, 8 + len(msg), 0) + msg
                ident = os.urandom(2)
                def fragment(offset, data, more):
                    return struct.pack('!BBH2sHBBH4s4s', 0x45, 0, 20 + len(data), ident, (0x2000 if more else 0) | offset // 8,
                                       64, 17, 0, socket.inet_aton(src), socket.inet_aton(server)) + data
                s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
                s.sendto(fragment(0, udp[:16], True), (server, 0))
                s.sendto(fragment(16, udp[16:], False), (server, 0))
                sys.exit(0)
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
            s.bind(('', 68))
            to = '255.255.255.255' if op == 'request' else server
            if how == 'big':
                msg += bytes(3000)
                s.setsockopt(socket.IPPROTO_IP, 10, 0)  # IP_MTU_DISCOVER: IP_PMTUDISC_DONT, so it may be fragmented
            if how == 'gso':
                first = message(3, own, 6, bytes(4), opt(50, ip)).ljust(300, b'\\0')
                s.setsockopt(17, 103, 300)  # SOL_UDP, UDP_SEGMENT: one packet, split into 300-byte datagrams on the way
                msg, to = first + msg.ljust(300, b'\\0'), server
            s.sendto(msg, (to, 67))
            """;

    static final Path LEASES = Path.of("/var/lib/incus/networks/incusbr0/dnsmasq.leases");

    /**
     * Root inside a restricted session cannot have the bridge's dnsmasq lease an address to a made-up client, in one
     * datagram, in fragments of either kind, in a UDP GSO packet, without a hardware address or under a made-up client
     * id; the first four from an open session (no fence) do get the lease, so the messages are good. (Unchecked, an agent could lease every free address for an hour, leaving the next sessions
     * without one, or give back another container's lease.)
     *
     * <p>Then CI's rare "no network at a session's start": dnsmasq held the address coi pinned for a client Incus does not
     * list (a MAC an earlier test gave a container), so it gave the new container another address, which the NIC filter and
     * the fence drop. Here the open session makes such a lease on the address another workspace's next session would pin:
     * that session pins another one and has its network.
     */
    @Test
    void dhcpForMadeUpClientsIsBlockedAndALeaseIncusDoesNotListIsNotPinnedSoTheNextSessionHasItsNetwork() throws Exception {
        try (Sandbox fenced = new Sandbox(); Sandbox open = new Sandbox(); Sandbox next = new Sandbox()) {
            String attacker = startWithLease(fenced, "restricted"), squatter = startWithLease(open, "open");
            java.util.Set<java.net.Inet4Address> taken = TestContainers.takenAddresses();
            taken.addAll(DnsmasqLeases.read(LEASES));
            String target = ContainerNic.plan(next.container(1), TestContainers.bridge("incusbr0"), taken).address().getHostAddress();
            long before = blockedCount(attacker);
            for (String how : java.util.List.of("plain", "big", "split", "gso", "hlen0", "clid")) {
                String mac = madeUpMac();
                Result attack = dhcp(fenced, attacker, "request", how, mac, target);
                assertThat(attack.exitCode()).as(attack.toString()).isZero();
                Thread.sleep(2000);
                java.util.List<String> got = leasedOn(target);
                // a failing test leaves none behind either: given back for the client it was made for
                if (!got.isEmpty()) dhcp(how.equals("clid") ? fenced : open, how.equals("clid") ? attacker : squatter, "release", how, mac, target);
                assertThat(got).as("a lease asked from a restricted session, " + how).isEmpty();
                if (how.equals("hlen0") || how.equals("clid")) continue; // dnsmasq's own setting (coi setup) stops these, for every container
                String control = madeUpMac();
                assertThat(dhcp(open, squatter, "request", how, control, target).exitCode()).isZero();
                assertThat(awaitLease(control, target)).as("the same from an open session, " + how).isTrue();
                assertThat(dhcp(open, squatter, "release", "plain", control, target).exitCode()).isZero();
                assertThat(awaitLease(control, null)).as("given back").isTrue();
            }
            assertThat(blockedCount(attacker)).as("the reassembled split one, dropped by the input rule").isGreaterThan(before);

            String mac = madeUpMac();
            assertThat(dhcp(open, squatter, "request", "plain", mac, target).exitCode()).isZero();
            try {
                assertThat(awaitLease(mac, target)).as("dnsmasq leased " + target + " to " + mac).isTrue();
                assertThat(Sh.must("incus", "network", "list-leases", "incusbr0", "--format", "csv")).as("Incus does not list it").doesNotContain(target);

                Result r = next.run("run", "--network", "restricted", "ip -4 -o addr show dev eth0; " + PROBE.formatted("198.51.100.10"));
                assertThat(r.exitCode()).as(r.toString()).isZero();
                assertThat(r.out()).as(r.toString()).contains("198.51.100.10 open").doesNotContain("inet " + target + "/");
            } finally {
                assertThat(dhcp(open, squatter, "release", "plain", mac, target).exitCode()).isZero();
                assertThat(awaitLease(mac, null)).as("the made-up lease given back").isTrue();
            }
        }
    }

    /** A detached shell session in {@code mode}, once its container has its own lease; its name. */
    private static String startWithLease(Sandbox box, String mode) {
        Result shell = box.run("shell", "--detach", "--network", mode);
        assertThat(shell.exitCode()).as(shell.toString()).isZero();
        String name = box.container(1);
        Result up = box.run("container", "exec", name, "--", "sh", "-c",
                "for i in $(seq 300); do ip -4 route show default | grep -q . && exit 0; sleep 0.1; done; exit 1");
        assertThat(up.exitCode()).as(name + "'s own lease " + up).isZero();
        return name;
    }

    private static Result dhcp(Sandbox box, String container, String op, String how, String mac, String address) {
        return box.run("container", "exec", container, "--", "sudo", "python3", "-c", DHCP, op, how, mac, address, gateway);
    }

    private static String madeUpMac() {
        byte[] b = new byte[3];
        new java.security.SecureRandom().nextBytes(b);
        return "00:16:3e:" + java.util.HexFormat.ofDelimiter(":").formatHex(b);
    }

    private static long blockedCount(String container) throws Exception {
        return RootFence.of().blockedCount(container);
    }

    /** The lines of dnsmasq's lease file on {@code address}. */
    private static java.util.List<String> leasedOn(String address) throws Exception {
        return Files.readAllLines(LEASES).stream().filter(l -> l.contains(" " + address + " ")).toList();
    }

    /** The lines of dnsmasq's lease file for {@code mac}. */
    private static java.util.List<String> leased(String mac) throws Exception {
        return Files.readAllLines(LEASES).stream().filter(l -> l.contains(" " + mac + " ")).toList();
    }

    /** Waits up to 5 s for dnsmasq's lease file to hold {@code mac}'s lease on {@code address} (null: to hold none of it). */
    private static boolean awaitLease(String mac, String address) throws Exception {
        for (int i = 0; i < 50; i++) {
            java.util.List<String> lines = leased(mac);
            if (address == null ? lines.isEmpty() : lines.stream().anyMatch(l -> l.contains(" " + mac + " " + address + " "))) return true;
            Thread.sleep(100);
        }
        return false;
    }
}
