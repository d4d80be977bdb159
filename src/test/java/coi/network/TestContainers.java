package coi.network;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Container setup for the network tests, through the incus CLI. Kept in this one class so that it
 * can be swapped for coi's own Incus client. Creates only containers named {@code coitest-net-*}.
 */
final class TestContainers implements AutoCloseable {

    static final String IMAGE = System.getProperty("coi.test.image", "coi-test-base");
    private static final ObjectMapper JSON = new ObjectMapper();
    private final List<String> created = new ArrayList<>();

    /** Fails (does not skip) when there is no usable Incus: these tests are the proof that the fence works. */
    static void requireIncus() {
        Sh.Result r;
        try {
            r = Sh.run("incus", "query", "/1.0");
        } catch (IllegalStateException e) {
            throw new AssertionError("the incus CLI is missing: these tests need a running Incus (" + e.getMessage() + ")", e);
        }
        if (r.code() != 0) throw new AssertionError("Incus is not reachable: " + r.err().strip() + " (is incusd running?)");
        if (Sh.run("incus", "image", "info", IMAGE).code() != 0) {
            throw new AssertionError("image " + IMAGE + " is missing: run scripts/test-image");
        }
        if (!"0".equals(Sh.must("id", "-u").strip())) throw new AssertionError("the network tests must run as root (nft, ip netns)");
    }

    static BridgeFacts bridge(String name) {
        return BridgeFacts.of(name, Sh.must("incus", "network", "get", name, "ipv4.address").strip());
    }

    /** IPv4 addresses other instances use or have reserved: what {@link ContainerNic#plan} must avoid. */
    static Set<Inet4Address> takenAddresses() throws Exception {
        Set<Inet4Address> taken = new HashSet<>();
        for (JsonNode inst : JSON.readTree(Sh.must("incus", "list", "--format", "json"))) {
            for (JsonNode dev : inst.path("expanded_devices")) {
                if (dev.has("ipv4.address")) taken.add(v4(dev.get("ipv4.address").asText()));
            }
            for (JsonNode nic : inst.path("state").path("network")) {
                for (JsonNode a : nic.path("addresses")) {
                    if ("inet".equals(a.path("family").asText())) taken.add(v4(a.path("address").asText()));
                }
            }
        }
        return taken;
    }

    static Set<String> existing() throws Exception {
        Set<String> names = new TreeSet<>();
        for (JsonNode inst : JSON.readTree(Sh.must("incus", "list", "--format", "json"))) names.add(inst.path("name").asText());
        return names;
    }

    /** Creates the container with {@code eth0} replaced by {@code nic}, without starting it. */
    void create(String name, Map<String, String> nic) {
        if (!name.startsWith("coitest-net-")) throw new IllegalArgumentException(name);
        Sh.run("incus", "delete", "-f", name); // left over by a killed run
        Sh.must("incus", "init", IMAGE, name, "-q");
        created.add(name);
        List<String> argv = new ArrayList<>(List.of("incus", "config", "device", "add", name, "eth0", nic.get("type")));
        nic.forEach((k, v) -> {
            if (!k.equals("type")) argv.add(k + "=" + v);
        });
        Sh.run(argv, "").orFail(argv);
    }

    /** Starts it and waits until DHCP has given it a default route. */
    void start(String name) throws InterruptedException {
        Sh.must("incus", "start", name);
        for (int i = 0; i < 150; i++) {
            if (!exec(name, "ip -4 route show default").out().isBlank()) return;
            Thread.sleep(200);
        }
        throw new AssertionError(name + " got no IPv4 default route within 30 s");
    }

    /** Runs a shell command as root in the container. */
    Sh.Result exec(String name, String script) {
        return Sh.run(List.of("incus", "exec", name, "--", "sh", "-c", script), "");
    }

    Sh.Result exec(String name, String script, String stdin) {
        return Sh.run(List.of("incus", "exec", name, "--", "sh", "-c", script), stdin);
    }

    void delete(String name) {
        Sh.run("incus", "delete", "-f", name);
        created.remove(name);
    }

    /** Copies the host's nft and the libraries the image lacks, so root inside can try to flush rules. */
    void installNft(String name) {
        List<String> files = new ArrayList<>(List.of("/usr/sbin/nft"));
        for (String line : Sh.must("ldd", "/usr/sbin/nft").split("\n")) {
            String[] parts = line.trim().split("\\s+");
            if (parts.length >= 3 && parts[1].equals("=>") && exec(name, "test -e " + parts[2]).code() != 0) files.add(parts[2]);
        }
        for (String f : files) Sh.must("incus", "file", "push", f, name + f);
    }

    @Override
    public void close() {
        for (String name : List.copyOf(created)) delete(name);
    }

    private static Inet4Address v4(String s) throws UnknownHostException {
        return (Inet4Address) InetAddress.getByName(s.contains("/") ? s.substring(0, s.indexOf('/')) : s);
    }
}
