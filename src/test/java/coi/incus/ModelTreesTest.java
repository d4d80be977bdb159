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

    /** Shaped as incusd 6.0 answers /1.0 (trimmed), with a config of every kind of value. */
    @Test
    void theServerAsBindingMakesIt() {
        var server = tree("""
                {"api_extensions":["storage"],"api_status":"stable","api_version":"1.0","auth":"trusted","public":false,
                 "auth_methods":["tls"],"config":{"core.https_address":":8443","images.auto_update_interval":6,"x.flag":true,
                   "x.list":["a",1],"x.map":{"k":2.5},"x.null":null},
                 "environment":{"addresses":["192.0.2.1:8443"],"architectures":["x86_64"],"driver":"lxc","kernel_features":
                   {"idmapped_mounts":"true","netnsid_getifaddrs":"true"},"kernel_version":"6.1.0","server_name":"host",
                   "server_version":"6.0.4","storage":"btrfs","storage_version":"6.6.3","firewall":"nftables"}}
                """);
        Model.Server byHand = ModelTrees.server(server);
        assertThat(byHand).isEqualTo(Json.convert(server, Model.Server.class));
        assertThat(byHand.idmappedMounts()).isTrue();
        assertThat(ModelTrees.server(tree("{\"environment\":null,\"config\":null}"))).isEqualTo(
                Json.convert(tree("{\"environment\":null,\"config\":null}"), Model.Server.class));
    }

    @Test
    void aProfileAndANetworkAsBindingMakesThem() {
        var profile = tree("""
                {"name":"default","description":"Default Incus profile","config":{"limits.cpu":2},"used_by":["/1.0/instances/a"],
                 "devices":{"eth0":{"name":"eth0","network":"incusbr0","type":"nic"},"root":{"path":"/","pool":"default","type":"disk"}},
                 "project":"default"}
                """);
        assertThat(ModelTrees.profile(profile)).isEqualTo(Json.convert(profile, Model.Profile.class));
        var network = tree("""
                {"name":"incusbr0","description":"","type":"bridge","managed":true,"status":"Created","locations":["none"],
                 "config":{"ipv4.address":"10.147.83.1/24","ipv4.nat":"true","ipv6.address":"none"},"used_by":[]}
                """);
        assertThat(ModelTrees.network(network)).isEqualTo(Json.convert(network, Model.Network.class));
        assertThat(ModelTrees.network(tree("{\"name\":\"bare\"}"))).isEqualTo(Json.convert(tree("{\"name\":\"bare\"}"), Model.Network.class));
    }
}
