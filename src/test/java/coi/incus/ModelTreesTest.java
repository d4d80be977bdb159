package coi.incus;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Records filled by hand from trees are the records data binding makes of the same answer. */
class ModelTreesTest {
    /** Shaped as incusd 6.0 answers /1.0/instances?recursion=2 (trimmed), with the odd cases binding must agree on. */
    static final String INSTANCES = """
            [{"architecture":"x86_64","backups":null,"name":"coi-26363ff5-1","status":"Running","status_code":103,"type":"container",
              "ephemeral":true,"stateful":false,"created_at":"2026-12-04T10:39:24.123456789Z","profiles":["default"],
              "config":{"image.description":"coi","user.coi.slot":"1","volatile.idmap.current":"[{\\"Isuid\\":true}]","odd":null},
              "devices":{"root":{"path":"/","pool":"default","type":"disk"},"eth0":{"type":"nic","network":"incusbr0"}},
              "expanded_config":{"a":"b"},"expanded_devices":{},"snapshots":null,
              "state":{"status":"Running","status_code":103,"pid":4242,"processes":12,"cpu":{"usage":1},
                "network":{"eth0":{"addresses":[{"family":"inet","address":"10.147.83.130","netmask":"24","scope":"global"},
                  {"family":"inet6","address":"fe80::1","netmask":"64","scope":"link"}],"counters":{"bytes_received":2058},
                  "host_name":"veth1","hwaddr":"10:66:6a:52:13:37","mtu":1500,"state":"up","type":"broadcast"},
                  "lo":{"addresses":[],"host_name":"","hwaddr":"","state":"up"}}}},
             {"name":"by-hand","status":"Stopped","ephemeral":false,"config":{},"devices":{},"state":{"status":"Stopped","pid":0,"network":null}},
             {"name":"bare"},
             null]
            """;

    static com.fasterxml.jackson.databind.JsonNode tree(String json) {
        return JsonTree.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void instancesAsBindingMakesThem() {
        var listing = tree(INSTANCES);
        List<Model.Instance> bound = new java.util.ArrayList<>();
        for (var n : listing) bound.add(Json.convert(n, Model.Instance.class));
        List<Model.Instance> byHand = ModelTrees.instances(listing);
        assertThat(byHand).isEqualTo(bound);
        assertThat(byHand.getFirst().state().ipv4()).isEqualTo("10.147.83.130");
        assertThat(byHand.get(1).state().network()).isNull();
        assertThat(byHand.get(2).config()).isNull();
        assertThat(byHand.get(3)).isNull();
    }

    @Test
    void aStateAsBindingMakesIt() {
        var state = tree(INSTANCES).get(0).get("state");
        assertThat(ModelTrees.state(state)).isEqualTo(Json.convert(state, Model.InstanceState.class));
        assertThat(ModelTrees.state(tree("null"))).isNull();
    }

    @Test
    void imagesAsBindingMakeThem() {
        var listing = tree("""
                [{"fingerprint":"abc","aliases":[{"name":"coi","description":""},{"name":"coi-20261204-103000","description":null}],
                  "properties":{"description":"coi image","os":"debian"},"size":120000000,"public":true,"created_at":"2026-12-04T10:00:00Z",
                  "uploaded_at":"2026-12-04T10:01:00Z","architecture":"x86_64","type":"container","auto_update":false},
                 {"fingerprint":"def","aliases":null,"size":1}]
                """);
        List<Model.Image> bound = new java.util.ArrayList<>();
        for (var n : listing) bound.add(Json.convert(n, Model.Image.class));
        assertThat(ModelTrees.images(listing)).isEqualTo(bound);
        assertThat(ModelTrees.images(listing).getFirst().isPublic()).isTrue();
    }
}
