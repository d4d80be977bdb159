package coi.session;

import coi.Trace;
import coi.config.Config;
import coi.incus.IncusClient;
import coi.incus.Model;
import coi.network.BridgeFacts;
import coi.network.NetworkPolicy;
import coi.pool.Fit;
import coi.pool.Pool;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * The warm pool as sessions use it: which `coi run` may take a member, the claim (labels, the
 * session's devices, then its network policy), and `coi pool status|fill|drain`. A member is
 * fenced closed until the claim replaces its rules with the session's own in one nft
 * transaction, so it never has a wider policy than the session's, not even for a moment.
 */
public final class WarmPool {
    private final IncusClient incus;
    private final Sessions.Host host;
    private final Fencing fencing;
    private final Path sessionsRoot;
    private final Pool pool;

    WarmPool(IncusClient incus, Sessions.Host host, Fencing fencing, Path sessionsRoot) {
        this.incus = incus;
        this.host = host;
        this.fencing = fencing;
        this.sessionsRoot = sessionsRoot;
        this.pool = new Pool(incus, Fencing.hostFence(host.uid()), host.prefix());
    }

    /**
     * Whether a session may come from the pool. Not when the workspace needs a locked protected
     * view: a disk added to a running container does not bring the view's read-only submounts
     * along (tried: they came in writable), so such a session launches cold. Nor persistent,
     * monitored or time-limited sessions: the watcher and the monitor know session containers by
     * their `coi-<hash>-<slot>` names, which a running member cannot take (Incus renames only
     * stopped instances).
     */
    static boolean fits(SessionPlan plan, Config config, HostFacts facts) {
        return config.pool().size() > 0 && "run".equals(plan.kind()) && !plan.persistent() && !config.monitoring().enabled()
                && config.limits().duration().isEmpty()
                && (facts.protection().readOnly().isEmpty() || !facts.protection().locked());
    }

    /**
     * Claims a member for {@code plan} and makes it the session's container: labels and
     * environment with the claim itself, then the session's devices, then its network policy.
     * {@code claimed} hears the member's name as soon as it is taken, so an interrupted claim is
     * undone like an interrupted launch. Empty when no member fits.
     */
    Optional<SessionPlan> claim(SessionPlan plan, Config config, List<Model.Instance> all, BridgeFacts bridge,
                                Consumer<String> claimed) {
        Fit fit = fit(plan);
        Map<String, String> labels = new TreeMap<>();
        plan.config().forEach((k, v) -> {
            if (Fit.perSession(k)) labels.put(k, v);
        });
        labels.put(Pool.OWNER, plan.config().getOrDefault(Labels.OWNER, Owner.current()));
        Optional<Model.Instance> member = pool.claim(fit, all, labels);
        if (member.isEmpty()) return Optional.empty();
        String name = member.get().name();
        claimed.accept(name);
        Trace.mark("pool: claimed " + name);
        Map<String, String> eth0 = member.get().devices().get("eth0");
        incus.updateInstance(name, inst -> {
            var devices = inst.with("devices");
            plan.devices().forEach((device, spec) -> {
                if (!device.equals("eth0") && !device.equals("root")) devices.set(device, coi.incus.Json.MAPPER.valueToTree(spec));
            });
            return inst;
        });
        Trace.mark("pool: devices attached");
        NetworkPolicy policy = Fencing.policy(config);
        // closed -> the session's policy, one nft transaction; open removes the rules
        if (policy instanceof NetworkPolicy.Open) fencing.remove(name);
        else fencing.install(name, eth0, bridge, policy);
        Trace.mark("pool: session's network policy applied");
        return Optional.of(plan.withContainer(name, eth0));
    }

    private Fit fit(SessionPlan plan) {
        return Fit.of(plan.image(), incus.imageByAlias(plan.image()).fingerprint(), plan.config(), plan.devices());
    }

    /** One member as `coi pool status` shows it; {@code fits}: whether a session of this config would take it. */
    public record Member(String name, String state, String alias, String image, String ipv4, String created, boolean fits) {}

    public List<Member> status(Workspace workspace, Config config) {
        Fit fit = template(workspace, config).fit;
        return incus.instances().stream().filter(i -> i.name().startsWith(host.prefix() + "pool-") && Pool.member(i))
                .map(i -> new Member(i.name(), i.configValue(Pool.STATE), i.configValue(Pool.ALIAS), i.configValue(Pool.IMAGE),
                        i.state() == null ? null : i.state().ipv4(), i.createdAt(),
                        Pool.READY.equals(i.configValue(Pool.STATE)) && fit.hash().equals(i.configValue(Pool.FIT))
                                && fit.fingerprint().equals(i.configValue(Pool.IMAGE))))
                .toList();
    }

    /** Brings the pool of this config's image up to `[pool] size`, stale members out first; returns the members made. */
    public List<String> fill(Workspace workspace, Config config) {
        Template t = template(workspace, config);
        try (NameLock turn = NameLock.hold(sessionsRoot, host.prefix() + "pool")) {
            return pool.fill(t.fit, Fit.fixedConfig(t.plan.config()), Fit.fixedDevices(t.plan.devices()), config.pool().size(),
                    t.bridge, Fencing.taken(incus.instances()), Owner.current());
        }
    }

    public List<String> drain() {
        return pool.drain();
    }

    private record Template(SessionPlan plan, Fit fit, BridgeFacts bridge) {}

    /** The plan a `coi run` of this config would have, for the fixed part its members need. */
    private Template template(Workspace workspace, Config config) {
        BridgeFacts bridge = fencing.bridge();
        HostFacts facts = new HostFacts(host.uid(), host.gid(), incus.server().idmappedMounts(), config.incus().codeUid(), host.prefix(),
                Set.of(), bridge, Set.of(), null, Protection.NONE);
        SessionPlan plan = Planner.plan(workspace, config, "run", ContainerName.MIN_SLOT, null, false, null, null, sessionsRoot, facts);
        return new Template(plan, fit(plan), bridge);
    }
}
