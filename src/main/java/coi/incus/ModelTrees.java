package coi.incus;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * {@link Model} records filled by hand from the trees {@link JsonTree} reads, as {@link Json#MAPPER}
 * would bind them (snake_case names, unknown fields ignored, a missing or null field null, or
 * false/0 for a primitive). Binding builds the ObjectMapper and its deserializers, about 90 ms
 * of a `coi list` (bench/startup); the objects listed most often are read this way instead.
 */
final class ModelTrees {
    private ModelTrees() {}

    /** The elements of a listing (/1.0/instances?recursion=1 or 2), as {@link DaemonConnection#list} binds them. */
    static List<Model.Instance> instances(JsonNode listing) {
        return elements(listing, ModelTrees::instance);
    }

    static Model.Instance instance(JsonNode n) {
        return new Model.Instance(text(n, "name"), text(n, "status"), text(n, "type"), n.path("ephemeral").asBoolean(false),
                text(n, "created_at"), text(n, "last_used_at"), strings(n.path("config")), strings(n.path("expanded_config")), devices(n.path("devices")),
                devices(n.path("expanded_devices")), stringList(n.path("profiles")), state(n.path("state")));
    }

    /** An instance's state; null for a missing or null one. */
    static Model.InstanceState state(JsonNode n) {
        if (!n.isObject()) return null;
        Map<String, Model.InstanceState.NetworkState> network = map(n.path("network"), nic -> new Model.InstanceState.NetworkState(
                list(nic.path("addresses"), a -> new Model.InstanceState.Address(text(a, "family"), text(a, "address"),
                        text(a, "netmask"), text(a, "scope"))),
                text(nic, "host_name"), text(nic, "hwaddr"), text(nic, "state")));
        return new Model.InstanceState(text(n, "status"), n.path("pid").asLong(0), network);
    }

    /** The elements of /1.0/images?recursion=1. */
    static List<Model.Image> images(JsonNode listing) {
        return elements(listing, n -> new Model.Image(text(n, "fingerprint"),
                list(n.path("aliases"), a -> new Model.Image.Alias(text(a, "name"), text(a, "description"))),
                strings(n.path("properties")), n.path("size").asLong(0), text(n, "created_at"), text(n, "uploaded_at"),
                text(n, "architecture"), text(n, "type"), n.path("public").asBoolean(false)));
    }

    /** /1.0: every plan asks whether the kernel has idmapped mounts. */
    static Model.Server server(JsonNode n) {
        JsonNode env = n.path("environment");
        Model.Server.Environment environment = !env.isObject() ? null : new Model.Server.Environment(text(env, "server_version"),
                text(env, "kernel_version"), text(env, "storage"), text(env, "storage_version"), strings(env.path("kernel_features")),
                text(env, "server_name"), stringList(env.path("addresses")));
        return new Model.Server(text(n, "api_version"), text(n, "auth"), environment, map(n.path("config"), ModelTrees::natural));
    }

    /** A profile: a fenced plan reads the default one's NIC. */
    static Model.Profile profile(JsonNode n) {
        return new Model.Profile(text(n, "name"), text(n, "description"), strings(n.path("config")), devices(n.path("devices")));
    }

    /** A network: a fenced plan reads its bridge's subnet. */
    static Model.Network network(JsonNode n) {
        return new Model.Network(text(n, "name"), text(n, "type"), n.path("managed").asBoolean(false), text(n, "status"),
                strings(n.path("config")));
    }

    /** A value bound to Object: text, a number, a boolean, or maps and lists of them. */
    private static Object natural(JsonNode v) {
        if (v.isObject()) return map(v, ModelTrees::natural);
        if (v.isArray()) return list(v, ModelTrees::natural);
        if (v.isNumber()) return v.numberValue();
        if (v.isBoolean()) return v.booleanValue();
        return v.asText();
    }

    /** Whatever the answer holds, as DaemonConnection#list iterates it (nothing: an empty list). */
    private static <T> List<T> elements(JsonNode listing, Function<JsonNode, T> element) {
        List<T> out = new ArrayList<>();
        for (JsonNode e : listing) out.add(e.isNull() ? null : element.apply(e));
        return out;
    }

    /** A string field; null when missing or null (a number or boolean is read as its text, as binding does). */
    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    private static Map<String, String> strings(JsonNode object) {
        return map(object, v -> v.isNull() ? null : v.asText());
    }

    private static Map<String, Map<String, String>> devices(JsonNode object) {
        return map(object, ModelTrees::strings);
    }

    private static List<String> stringList(JsonNode array) {
        return list(array, v -> v.isNull() ? null : v.asText());
    }

    /** An object's fields in order (as binding's LinkedHashMap); null for a missing or null one. */
    private static <T> Map<String, T> map(JsonNode object, Function<JsonNode, T> value) {
        if (!object.isObject()) return null;
        Map<String, T> out = new LinkedHashMap<>();
        for (var e : object.properties()) out.put(e.getKey(), e.getValue().isNull() ? null : value.apply(e.getValue()));
        return out;
    }

    private static <T> List<T> list(JsonNode array, Function<JsonNode, T> element) {
        return array.isArray() ? elements(array, element) : null;
    }
}
