package coi.incus;

import static coi.incus.DaemonConnection.enc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** {@link ServerResources} over the REST API. Storage pools and certificates are server-wide, not per project. */
final class RestServer implements ServerResources {
    private final DaemonConnection incus;

    RestServer(DaemonConnection incus) {
        this.incus = incus;
    }

    @Override
    public Model.Server server() {
        return ModelTrees.server(incus.get("/1.0"));
    }

    @Override
    public void updateServerConfig(Map<String, String> config) {
        ObjectNode body = Json.object();
        body.set("config", Json.MAPPER.valueToTree(config));
        incus.call("PATCH", "/1.0", body);
    }

    @Override
    public String trustCertificate(String name, String pem) {
        String der = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        ObjectNode body = Json.object().put("type", "client").put("name", name).put("certificate", der);
        incus.call("POST", "/1.0/certificates", body);
        for (JsonNode cert : incus.get("/1.0/certificates?recursion=1")) {
            if (name.equals(cert.path("name").asText())) return cert.path("fingerprint").asText();
        }
        throw new IncusException.NotFound("certificate " + name + " was added but is not listed");
    }

    @Override
    public void untrustCertificate(String fingerprint) {
        incus.call("DELETE", "/1.0/certificates/" + enc(fingerprint), null);
    }

    @Override
    public List<Model.StoragePool> storagePools() {
        return incus.list(incus.scoped("/1.0/storage-pools?recursion=1"), Model.StoragePool.class);
    }

    @Override
    public void createStoragePool(String name, String driver, Map<String, String> config) {
        ObjectNode body = Json.object().put("name", name).put("driver", driver);
        body.set("config", Json.MAPPER.valueToTree(config));
        incus.call("POST", "/1.0/storage-pools", body);
    }

    @Override
    public void deleteStoragePool(String name) {
        incus.call("DELETE", "/1.0/storage-pools/" + enc(name), null);
    }

    @Override
    public List<Model.Network> networks() {
        return incus.list(incus.scoped("/1.0/networks?recursion=1"), Model.Network.class);
    }

    @Override
    public Model.Network network(String name) {
        return ModelTrees.network(incus.get(incus.scoped("/1.0/networks/" + enc(name))));
    }

    /** Read off the answer's tree: the addresses are all that is wanted. */
    @Override
    public List<String> leasedIpv4(String network) {
        List<String> addresses = new ArrayList<>();
        for (JsonNode lease : incus.get(incus.scoped("/1.0/networks/" + enc(network) + "/leases"))) {
            String address = lease.path("address").asText("");
            if (!address.isEmpty() && !address.contains(":")) addresses.add(address);
        }
        return addresses;
    }

    @Override
    public void createBridge(String name, Map<String, String> config) {
        ObjectNode body = Json.object().put("name", name).put("type", "bridge");
        body.set("config", Json.MAPPER.valueToTree(config));
        incus.call("POST", incus.scoped("/1.0/networks"), body);
    }

    @Override
    public void updateNetworkConfig(String name, Map<String, String> config) {
        ObjectNode body = Json.object();
        body.set("config", Json.MAPPER.valueToTree(config));
        incus.call("PATCH", incus.scoped("/1.0/networks/" + enc(name)), body);
    }

    @Override
    public void deleteNetwork(String name) {
        incus.call("DELETE", incus.scoped("/1.0/networks/" + enc(name)), null);
    }

    @Override
    public Model.Profile profile(String name) {
        return ModelTrees.profile(incus.get(incus.scoped("/1.0/profiles/" + enc(name))));
    }

    @Override
    public void addProfileDevice(String profile, String device, Map<String, String> config) {
        incus.update(incus.scoped("/1.0/profiles/" + enc(profile)), p -> {
            ObjectNode devices = p.with("devices");
            if (devices.has(device)) throw new IncusException.AlreadyExists("device " + device + " already exists in profile " + profile);
            devices.set(device, Json.MAPPER.valueToTree(config));
            return p;
        });
    }
}
