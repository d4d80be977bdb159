package coi.incus;

import static coi.incus.DaemonConnection.enc;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;

/** {@link Instances} over the REST API. */
final class RestInstances implements Instances {
    private final DaemonConnection incus;

    RestInstances(DaemonConnection incus) {
        this.incus = incus;
    }

    private String path(String name) {
        return incus.scoped("/1.0/instances/" + enc(name));
    }

    @Override
    public List<Model.Instance> instances() {
        return ModelTrees.instances(incus.get(incus.scoped("/1.0/instances?recursion=2")));
    }

    @Override
    public List<Model.Instance> instancesWithoutState() {
        return ModelTrees.instances(incus.get(incus.scoped("/1.0/instances?recursion=1")));
    }

    @Override
    public List<Model.Instance> instancesOfAllProjects() {
        return ModelTrees.instances(incus.get("/1.0/instances?recursion=1&all-projects=true"));
    }

    @Override
    public Model.Instance instance(String name) {
        return ModelTrees.instance(incus.get(path(name)));
    }

    /** Read off the answer's tree: binding the instance to a record would build the ObjectMapper (see {@link JsonTree}). */
    @Override
    public Optional<String> instanceStatus(String name) {
        try {
            return Optional.of(incus.get(path(name)).path("status").asText(""));
        } catch (IncusException.NotFound e) {
            return Optional.empty();
        }
    }

    @Override
    public Model.InstanceState instanceState(String name) {
        return ModelTrees.state(incus.get(incus.scoped("/1.0/instances/" + enc(name) + "/state")));
    }

    @Override
    public Optional<String> awaitIpv4(String name, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String address;
        while ((address = instanceState(name).ipv4()) == null) {
            if (System.nanoTime() > deadline) return Optional.empty();
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IncusException("interrupted", e);
            }
        }
        return Optional.of(address);
    }

    @Override
    public void createInstance(InstanceSpec spec) {
        ObjectNode body = Json.object().put("name", spec.name()).put("type", "container")
                .put("ephemeral", spec.ephemeral()).put("start", spec.start());
        ObjectNode source = body.putObject("source").put("type", "image");
        boolean fingerprint = spec.image().matches("[0-9a-f]{12,64}");
        if (spec.server() != null) source.put("mode", "pull").put("server", spec.server()).put("protocol", "simplestreams").put("alias", spec.image());
        else if (fingerprint) source.put("fingerprint", spec.image());
        else source.put("alias", spec.image());
        body.set("config", Json.strings(spec.config()));
        ObjectNode devices = body.putObject("devices");
        spec.devices().forEach((device, values) -> devices.set(device, Json.strings(values)));
        if (spec.profiles() != null) spec.profiles().forEach(body.putArray("profiles")::add);
        try {
            incus.await("POST", incus.scoped("/1.0/instances"), body);
        } catch (IncusException.Conflict | IncusException.Forbidden | IncusException.Unreachable e) {
            throw e;
        } catch (IncusException e) {
            // incusd fails a missing local image with a 500 that does not name it ("Image not provided")
            if (spec.server() == null && !imageExists(spec.image(), fingerprint)) {
                throw new IncusException.NotFound("image '" + spec.image() + "' not found");
            }
            throw e;
        }
    }

    private boolean imageExists(String image, boolean fingerprint) {
        try {
            incus.get(incus.scoped(fingerprint ? "/1.0/images/" + enc(image) : "/1.0/images/aliases/" + enc(image)));
            return true;
        } catch (IncusException.NotFound e) {
            return false;
        }
    }

    @Override
    public void start(String name) {
        changeState(name, "start", -1, false);
    }

    @Override
    public void stop(String name, int timeoutSeconds, boolean force) {
        changeState(name, "stop", timeoutSeconds, force);
    }

    @Override
    public void stopInBackground(String name) {
        incus.call("PUT", incus.scoped("/1.0/instances/" + enc(name) + "/state"),
                JsonTree.object().put("action", "stop").put("timeout", -1).put("force", true));
    }

    @Override
    public void freeze(String name) {
        changeState(name, "freeze", -1, false);
    }

    @Override
    public void unfreeze(String name) {
        changeState(name, "unfreeze", -1, false);
    }

    private void changeState(String name, String action, int timeout, boolean force) {
        // JsonTree, not Json: the supervisor's stop and freeze need no ObjectMapper (see JsonTree#bytes)
        ObjectNode body = JsonTree.object().put("action", action).put("timeout", timeout).put("force", force);
        incus.await("PUT", incus.scoped("/1.0/instances/" + enc(name) + "/state"), body);
    }

    @Override
    public void delete(String name, boolean force) {
        try {
            if (force) stopForDelete(name);
            incus.await("DELETE", path(name), null);
        } catch (IncusException.NotFound e) {
            // with force, gone is done (Incus removes an ephemeral instance as it stops)
            if (!force) throw e;
        }
    }

    private void stopForDelete(String name) {
        Model.Instance instance = instance(name);
        if (!instance.running() && !"Frozen".equals(instance.status())) return;
        try {
            stop(name, -1, true);
        } catch (IncusException.NotFound e) {
            throw e;
        } catch (IncusException e) {
            // an ephemeral instance disappears while stopping, failing the stop; one still starting
            // refuses it: the delete that follows tells which
        }
    }

    @Override
    public void updateInstance(String name, UnaryOperator<ObjectNode> change) {
        incus.update(path(name), change);
    }

    @Override
    public void setConfig(String name, String key, String value) {
        updateInstance(name, inst -> {
            ObjectNode config = inst.with("config");
            if (value == null) config.remove(key);
            else config.put(key, value);
            return inst;
        });
    }

    @Override
    public void addDevice(String name, String device, Map<String, String> config) {
        updateInstance(name, inst -> {
            ObjectNode devices = inst.with("devices");
            if (devices.has(device)) throw new IncusException.AlreadyExists("device " + device + " already exists on " + name);
            devices.set(device, Json.MAPPER.valueToTree(config));
            return inst;
        });
    }

    @Override
    public void removeDevice(String name, String device) {
        updateInstance(name, inst -> {
            if (inst.with("devices").remove(device) == null) throw new IncusException.NotFound("device " + device + " not found on " + name);
            return inst;
        });
    }
}
