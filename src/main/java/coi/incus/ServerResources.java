package coi.incus;

import java.util.List;
import java.util.Map;

/** The daemon itself and what instances run on: server config, trusted certificates, storage pools, networks, profiles. */
public interface ServerResources {
    Model.Server server();

    void updateServerConfig(Map<String, String> config);

    /** Trusts a client certificate (PEM) for remote access; returns its fingerprint. */
    String trustCertificate(String name, String pem);

    void untrustCertificate(String fingerprint);

    List<Model.StoragePool> storagePools();

    /** A storage pool, e.g. driver btrfs with {@code size} for a loop file the daemon makes. */
    void createStoragePool(String name, String driver, Map<String, String> config);

    void deleteStoragePool(String name);

    List<Model.Network> networks();

    /** One network by name: a quicker read than {@link #networks()}, which has the daemon look at every one. */
    Model.Network network(String name);

    /** The IPv4 addresses a managed network has handed out or reserved (its static and dynamic DHCP leases, its gateway). */
    List<String> leasedIpv4(String network);

    /** A managed bridge with these settings (e.g. ipv4.address, ipv4.nat, ipv6.address). */
    void createBridge(String name, Map<String, String> config);

    void deleteNetwork(String name);

    /** Sets these config keys of a managed network, leaving its others as they are. */
    void updateNetworkConfig(String name, Map<String, String> config);


    Model.Profile profile(String name);

    /** Adds a device to a profile, guarded by its ETag; one of that name already there is {@link IncusException.AlreadyExists}. */
    void addProfileDevice(String profile, String device, Map<String, String> config);
}
