package coi.incus;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/** {@link IncusClient} over one {@link DaemonConnection}: hands each call to the resource it belongs to. */
final class RestClient implements IncusClient {
    private final DaemonConnection connection;
    private final Instances instances;
    private final InstanceSnapshots snapshots;
    private final InstanceIo io;
    private final ImageStore images;
    private final ServerResources server;

    RestClient(DaemonConnection connection) {
        this.connection = connection;
        this.instances = new RestInstances(connection);
        this.snapshots = new RestSnapshots(connection);
        this.io = new RestInstanceIo(connection);
        this.images = new RestImages(connection);
        this.server = new RestServer(connection);
    }

    @Override
    public IncusClient inProject(String name) {
        return new RestClient(connection.inProject(name));
    }

    @Override
    public IncusClient asCliRemote(String name) {
        return new RestClient(connection.asCliRemote(name));
    }

    @Override
    public Optional<String> cliRemote() {
        return connection.cliRemote();
    }

    @Override
    public String address() {
        return connection.address();
    }

    @Override
    public String project() {
        return connection.project();
    }

    @Override
    public void close() {
        connection.close();
    }

    // ---------------------------------------------------------------- events

    @Override
    public EventStream events(String types, Consumer<JsonNode> listener) {
        String path = connection.scoped("/1.0/events?type=" + DaemonConnection.enc(types));
        try {
            return new EventStream(connection.websocket(path), listener);
        } catch (IOException e) {
            throw new IncusException("cannot subscribe to the events of Incus at " + connection.address() + ": " + e.getMessage(), e);
        }
    }

    // ---------------------------------------------------------------- instances

    @Override public List<Model.Instance> instances() { return instances.instances(); }
    @Override public List<Model.Instance> instancesWithoutState() { return instances.instancesWithoutState(); }
    @Override public List<Model.Instance> instancesOfAllProjects() { return instances.instancesOfAllProjects(); }
    @Override public Model.Instance instance(String name) { return instances.instance(name); }
    @Override public Optional<String> instanceStatus(String name) { return instances.instanceStatus(name); }
    @Override public Model.InstanceState instanceState(String name) { return instances.instanceState(name); }
    @Override public Optional<String> awaitIpv4(String name, Duration timeout) { return instances.awaitIpv4(name, timeout); }
    @Override public void createInstance(InstanceSpec spec) { instances.createInstance(spec); }
    @Override public void start(String name) { instances.start(name); }
    @Override public void stop(String name, int timeoutSeconds, boolean force) { instances.stop(name, timeoutSeconds, force); }
    @Override public void stopInBackground(String name) { instances.stopInBackground(name); }
    @Override public void freeze(String name) { instances.freeze(name); }
    @Override public void unfreeze(String name) { instances.unfreeze(name); }
    @Override public void delete(String name, boolean force) { instances.delete(name, force); }
    @Override public void updateInstance(String name, UnaryOperator<ObjectNode> change) { instances.updateInstance(name, change); }
    @Override public void setConfig(String name, String key, String value) { instances.setConfig(name, key, value); }
    @Override public void addDevice(String name, String device, Map<String, String> config) { instances.addDevice(name, device, config); }
    @Override public void removeDevice(String name, String device) { instances.removeDevice(name, device); }

    // ---------------------------------------------------------------- snapshots

    @Override public List<Model.Snapshot> snapshots(String instance) { return snapshots.snapshots(instance); }
    @Override public void createSnapshot(String instance, String snapshot) { snapshots.createSnapshot(instance, snapshot); }
    @Override public void restoreSnapshot(String instance, String snapshot) { snapshots.restoreSnapshot(instance, snapshot); }
    @Override public void deleteSnapshot(String instance, String snapshot) { snapshots.deleteSnapshot(instance, snapshot); }

    // ---------------------------------------------------------------- exec and files

    @Override
    public int exec(String instance, ExecRequest request, InputStream stdin, OutputStream stdout, OutputStream stderr) {
        return io.exec(instance, request, stdin, stdout, stderr);
    }

    @Override public Model.ExecResult execRecorded(String instance, ExecRequest request) { return io.execRecorded(instance, request); }

    @Override public java.util.OptionalInt execDetached(String instance, ExecRequest request, long seconds) { return io.execDetached(instance, request, seconds); }

    @Override public Model.ExecResult execCaptureBounded(String instance, ExecRequest request, int maxBytes, long seconds) {
        return io.execCaptureBounded(instance, request, maxBytes, seconds);
    }

    @Override public InstanceFiles files(String instance) { return io.files(instance); }

    // ---------------------------------------------------------------- images

    @Override public List<Model.Image> images() { return images.images(); }
    @Override public List<Model.ImageAlias> imageAliases() { return images.imageAliases(); }
    @Override public boolean aliasExists(String alias) { return images.aliasExists(alias); }
    @Override public Model.Image imageByAlias(String alias) { return images.imageByAlias(alias); }
    @Override public String aliasTarget(String alias) { return images.aliasTarget(alias); }

    @Override
    public String importImage(Path metadata, Path rootfs, String alias, Map<String, String> properties) {
        return images.importImage(metadata, rootfs, alias, properties);
    }

    @Override
    public String publish(String instance, String alias, Map<String, String> properties) {
        return images.publish(instance, alias, properties);
    }

    @Override
    public void createAlias(String alias, String fingerprint, String description) {
        images.createAlias(alias, fingerprint, description);
    }

    @Override public void deleteAlias(String alias) { images.deleteAlias(alias); }
    @Override public void deleteImage(String fingerprint) { images.deleteImage(fingerprint); }

    // ---------------------------------------------------------------- server, storage, networks, profiles

    @Override public Model.Server server() { return server.server(); }
    @Override public void updateServerConfig(Map<String, String> config) { server.updateServerConfig(config); }
    @Override public String trustCertificate(String name, String pem) { return server.trustCertificate(name, pem); }
    @Override public void untrustCertificate(String fingerprint) { server.untrustCertificate(fingerprint); }
    @Override public List<Model.StoragePool> storagePools() { return server.storagePools(); }

    @Override
    public void createStoragePool(String name, String driver, Map<String, String> config) {
        server.createStoragePool(name, driver, config);
    }

    @Override public void deleteStoragePool(String name) { server.deleteStoragePool(name); }
    @Override public List<Model.Network> networks() { return server.networks(); }
    @Override public Model.Network network(String name) { return server.network(name); }
    @Override public List<String> leasedIpv4(String network) { return server.leasedIpv4(network); }
    @Override public void createBridge(String name, Map<String, String> config) { server.createBridge(name, config); }
    @Override public void updateNetworkConfig(String name, Map<String, String> config) { server.updateNetworkConfig(name, config); }
    @Override public void deleteNetwork(String name) { server.deleteNetwork(name); }
    @Override public Model.Profile profile(String name) { return server.profile(name); }

    @Override
    public void addProfileDevice(String profile, String device, Map<String, String> config) {
        server.addProfileDevice(profile, device, config);
    }
}
