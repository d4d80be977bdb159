package coi.cli;

import coi.config.Config;
import coi.config.ConfigFile;
import coi.config.ConfigLoader;
import coi.config.Overrides;
import coi.session.ContainerName;
import coi.session.Prefetch;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * What every command gets from its surroundings: the environment, the `--remote` flag, and from
 * them the resolved {@link Config} and the {@link Services} built from it. Nothing here touches
 * the daemon: `--help`, `--version` and usage errors never do.
 */
public final class Context implements AutoCloseable {
    private final Map<String, String> env;
    private final List<Services> opened = new ArrayList<>();
    private String remote;

    public Context(Map<String, String> env) {
        this.env = env;
    }

    public Map<String, String> env() {
        return env;
    }

    public String env(String name, String fallback) {
        String v = env.get(name);
        return v == null || v.isBlank() ? fallback : v;
    }

    /** The folder coi was started in (PWD, so a symlinked path stays as the user typed it). */
    public Path cwd() {
        return Path.of(env("PWD", System.getProperty("user.dir")));
    }

    public Path home() {
        return Path.of(env("HOME", System.getProperty("user.home")));
    }

    /** COI_CONTAINER_PREFIX, or coi's own; one that cannot start an Incus instance name is a usage error. */
    public String containerPrefix() {
        String prefix = env("COI_CONTAINER_PREFIX", ContainerName.DEFAULT_PREFIX);
        if (!prefix.matches("[A-Za-z][A-Za-z0-9-]{0,39}")) {
            throw new coi.UsageException("COI_CONTAINER_PREFIX '" + prefix + "' cannot start a container name: use up to 40 letters, digits"
                    + " and -, starting with a letter (coi's own is " + ContainerName.DEFAULT_PREFIX + ")");
        }
        return prefix;
    }

    /** The installed `coi` that started this JVM (bin/coi sets it), for the helpers it starts; null when run otherwise. */
    Path launcher() {
        String launcher = System.getProperty("coi.launcher");
        return launcher == null ? null : Path.of(launcher);
    }

    /** The incus CLI's folder: $INCUS_CONF as the CLI reads it, else ~/.config/incus. */
    Path incusConfigDir() {
        return Path.of(env("INCUS_CONF", home().resolve(".config/incus").toString()));
    }

    /** `--remote NAME`: the top layer of the configuration's {@code [incus]} endpoint, for every command. */
    public synchronized void useRemote(String name) {
        this.remote = name;
    }

    /**
     * Configuration for commands that start no session: the files, profile and COI_* layers. An
     * untrusted project file that would widen a session is left out.
     */
    public Config config(Path workspace) {
        return ConfigLoader.load(ConfigFile.standard(env, home(), workspace), env, home(), Overrides.NONE.withRemote(remote),
                ConfigLoader.Untrusted.IGNORE_UNREADABLE);
    }

    /** As {@link #config(Path)}, but a project file that cannot be read as config is an error (the pool's keeper keeps what it had). */
    public Config keeperConfig(Path workspace) {
        return ConfigLoader.load(ConfigFile.standard(env, home(), workspace), env, home(), Overrides.NONE.withRemote(remote),
                ConfigLoader.Untrusted.IGNORE);
    }

    /** Configuration for a session in {@code workspace} with its flags: an untrusted widening project file stops it. */
    public Config config(Path workspace, Overrides flags) {
        return ConfigLoader.load(ConfigFile.standard(env, home(), workspace), env, home(), flags.withRemote(remote));
    }

    /** The services of the configuration of the current folder. */
    public Services services() {
        return services(config(cwd()));
    }

    /** The services built from {@code config}; closed with this context. */
    public synchronized Services services(Config config) {
        return services(config, Prefetch.NONE);
    }

    /** The services built from {@code config}, with what {@code prefetch} asked where it fits; closed with this context. */
    public synchronized Services services(Config config, Prefetch prefetch) {
        Services services = new Services(this, config, prefetch);
        opened.add(services);
        return services;
    }

    /**
     * Starts asking the daemon what a session's plan needs (see {@link Prefetch}), for the
     * configuration that the environment and {@code flags} make without the files, which are read
     * meanwhile; returns at once. {@code flags} is asked for on the prefetch's thread: a flag that
     * fails there fails again, and says so, where the command reads its config.
     */
    Prefetch prefetch(Supplier<Overrides> flags) {
        Path cliDir = incusConfigDir();
        String remote;
        synchronized (this) {
            remote = this.remote;
        }
        return Prefetch.start(() -> ConfigLoader.load(List.of(), env, home(), flags.get().withRemote(remote)),
                incus -> IncusConnection.open(incus, cliDir), Services.ids()[0]);
    }

    @Override
    public synchronized void close() {
        opened.forEach(Services::close);
    }
}
