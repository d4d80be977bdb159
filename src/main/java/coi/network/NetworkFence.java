package coi.network;

import coi.incus.JsonTree;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Puts the firewall for a container up on the host and takes it down again. Every change is one
 * {@code nft -f -} transaction: it applies whole or not at all, so a failure leaves the previous
 * state and surfaces as {@link FenceException} (the session then must not start the container).
 */
public final class NetworkFence {

    private final Nft nft;

    public NetworkFence(Nft nft) {
        this.nft = nft;
    }

    /** Installs or replaces the container's rules; call before the container starts and on each allowlist refresh. */
    public void apply(ContainerNic nic, BridgeFacts bridge, NetworkPolicy policy, Collection<Ipv4Cidr> allowed) {
        try {
            nft.run(NftRuleset.apply(nic, bridge, policy, allowed), "-f", "-");
        } catch (FenceException e) {
            throw new FenceException("cannot install the " + policy.mode() + " network rules for " + nic.container()
                    + ", refusing to run it unfenced: " + e.getMessage(), e);
        }
    }

    /** Removes the container's rules, if any. Stop refreshing its allowlist ({@link AllowlistRefresher}) first, or a refresh may put them back. */
    public void remove(String container) {
        try {
            nft.run(NftRuleset.remove(container), "-f", "-");
        } catch (FenceException e) {
            throw new FenceException("cannot remove the network rules of " + container + ": " + e.getMessage()
                    + " (`coi clean` retries orphaned rules)", e);
        }
    }

    /** The table coi's rules are in (inet family). */
    public static final String TABLE = NftRuleset.TABLE;

    /** The name of the counter object {@link #blockedCount} reads, in {@link #TABLE}. */
    public static String blockedCounter(String container) {
        return NftRuleset.name(container, NftRuleset.BLOCKED);
    }

    /** The name of the counter object {@link #dnsCount} reads, in {@link #TABLE}. */
    public static String dnsCounter(String container) {
        return NftRuleset.name(container, NftRuleset.DNS);
    }

    /** Connection attempts the fence rejected for this container since its rules were first applied (0 if none). */
    public long blockedCount(String container) {
        return counter(container, NftRuleset.BLOCKED);
    }

    /** DNS packets the container sent to the bridge's resolver (restricted mode; 0 if none or no such counter). */
    public long dnsCount(String container) {
        return counter(container, NftRuleset.DNS);
    }

    private long counter(String container, String role) {
        try {
            JsonNode doc = tree(nft.run("", "-j", "list", "counter", "inet", NftRuleset.TABLE, NftRuleset.name(container, role)));
            for (JsonNode item : doc.path("nftables")) {
                if (item.has("counter")) return item.get("counter").path("packets").asLong();
            }
            return 0;
        } catch (Nft.NftFailed e) {
            if (e.noSuchObject()) return 0;
            throw e;
        } catch (UncheckedIOException e) {
            throw new FenceException("cannot read nft's JSON output: " + e.getMessage(), e);
        }
    }

    /** Containers that have objects in our tables: fenced, or left over by a crash. */
    public Set<String> fenced() {
        Set<String> names = new TreeSet<>();
        for (String family : List.of("inet", "bridge")) names.addAll(fenced(family));
        return names;
    }

    /**
     * Containers that have objects in our table of one family. The {@code inet} ones are those whose
     * rules match a source address: left behind by a container that is gone, they would hold
     * whichever container gets that address next.
     */
    public Set<String> fenced(String family) {
        Set<String> names = new TreeSet<>();
        JsonNode doc;
        try {
            doc = tree(nft.run("", "-j", "list", "table", family, NftRuleset.TABLE));
        } catch (Nft.NftFailed e) {
            if (e.noSuchObject()) return names;
            throw e;
        } catch (UncheckedIOException e) {
            throw new FenceException("cannot read nft's JSON output: " + e.getMessage(), e);
        }
        for (JsonNode item : doc.path("nftables")) {
            for (String kind : List.of("chain", "set", "counter")) {
                JsonNode obj = item.get(kind);
                if (obj != null) NftRuleset.containerOf(obj.path("name").asText()).ifPresent(names::add);
            }
        }
        return names;
    }

    /** nft's JSON read with the streaming parser (`coi list` reads counters: an ObjectMapper would cost it tens of ms). */
    private static JsonNode tree(String json) {
        return JsonTree.parse(json.getBytes(StandardCharsets.UTF_8));
    }
}
