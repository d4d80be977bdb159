package coi.network;

import static coi.network.NftRulesetTest.addr;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class NetworkFenceTest {

    private final List<String> calls = new ArrayList<>();
    private Map<String, String> answers = Map.of();

    private final NetworkFence fence = new NetworkFence((stdin, args) -> {
        String cmd = String.join(" ", args);
        calls.add(cmd + (stdin.isEmpty() ? "" : "\n" + stdin));
        String answer = answers.get(cmd);
        if (answer == null) return "";
        if (answer.startsWith("!")) throw new Nft.NftFailed(answer.substring(1));
        return answer;
    });

    private final BridgeFacts bridge = BridgeFacts.of("incusbr0", "10.147.83.1/24");
    private final ContainerNic nic = new ContainerNic("coi-aa-1", "coiabc", addr("10.147.83.9"), "0a:01:02:03:04:05");

    @Test
    void appliesAndRemovesAsOneScriptEach() {
        fence.apply(nic, bridge, new NetworkPolicy.Restricted(), List.of());
        fence.remove("coi-aa-1");
        assertThat(calls).containsExactly("-f -\n" + NftRuleset.apply(nic, bridge, new NetworkPolicy.Restricted(), List.of()),
                "-f -\n" + NftRuleset.remove("coi-aa-1"));
    }

    @Test
    void failureToApplySaysWhatAndWhy() {
        answers = Map.of("-f -", "!nft -f - failed: Error: Could not process rule: Operation not permitted");
        assertThatThrownBy(() -> fence.apply(nic, bridge, new NetworkPolicy.Restricted(), List.of()))
                .isInstanceOf(FenceException.class)
                .hasMessage("cannot install the restricted network rules for coi-aa-1, refusing to run it unfenced: "
                        + "nft -f - failed: Error: Could not process rule: Operation not permitted");
    }

    @Test
    void readsTheBlockedCounter() {
        answers = Map.of("-j list counter inet coi coi-aa-1.blocked", """
                {"nftables": [{"metainfo": {"version": "1.0.6", "json_schema_version": 1}},
                 {"counter": {"family": "inet", "name": "coi-aa-1.blocked", "table": "coi", "handle": 1, "packets": 7, "bytes": 420}}]}""",
                "-j list counter inet coi coi-bb-1.blocked", "!Error: No such file or directory");
        assertThat(fence.blockedCount("coi-aa-1")).isEqualTo(7);
        assertThat(fence.blockedCount("coi-bb-1")).isZero();
    }

    @Test
    void findsFencedContainersByObjectName() {
        answers = Map.of("-j list table inet coi", """
                {"nftables": [{"metainfo": {}}, {"table": {"family": "inet", "name": "coi"}},
                 {"counter": {"name": "coi-aa-1.blocked"}}, {"counter": {"name": "coi-gone-1.blocked"}},
                 {"set": {"name": "coi-gone-1.allow"}}, {"chain": {"name": "coi-aa-1.fwd"}},
                 {"rule": {"chain": "coi-aa-1.fwd"}}]}""",
                "-j list table bridge coi", """
                {"nftables": [{"chain": {"name": "coi-crashed-2.l2"}}]}""");
        assertThat(fence.fenced()).containsExactly("coi-aa-1", "coi-crashed-2", "coi-gone-1");
        assertThat(fence.fenced("inet")).as("address rules").containsExactly("coi-aa-1", "coi-gone-1");
    }

    @Test
    void noTablesMeansNothingFenced() {
        answers = Map.of("-j list table inet coi", "!Error: No such file or directory",
                "-j list table bridge coi", "!Error: No such file or directory");
        assertThat(fence.fenced()).isEmpty();
    }
}
