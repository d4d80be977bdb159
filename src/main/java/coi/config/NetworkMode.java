package coi.config;

/** How far the container may reach out: written in lower case in config files. */
public enum NetworkMode {
    RESTRICTED, ALLOWLIST, OPEN
}
