package coi.incus;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Images and their aliases (/1.0/images). */
public interface ImageStore {
    List<Model.Image> images();

    List<Model.ImageAlias> imageAliases();

    boolean aliasExists(String alias);

    /** The image an alias points at. */
    Model.Image imageByAlias(String alias);

    /** The fingerprint of the image an alias points at (one read, where {@link #imageByAlias} takes two); NotFound without it. */
    String aliasTarget(String alias);

    /** Imports a split image (metadata tarball + rootfs tarball); returns the fingerprint. */
    String importImage(Path metadata, Path rootfs, String alias, Map<String, String> properties);

    /** Publishes an instance (stopped, or a snapshot) as an image; returns the fingerprint. */
    String publish(String instance, String alias, Map<String, String> properties);

    void createAlias(String alias, String fingerprint, String description);

    void deleteAlias(String alias);

    void deleteImage(String fingerprint);
}
