package coi.config;

import java.nio.file.Path;
import java.util.Objects;

/** A host directory shared into the container; {@code host} is always absolute. */
public record Mount(Path host, String container, boolean readonly) {
    public Mount {
        Objects.requireNonNull(host);
        Objects.requireNonNull(container);
    }
}
