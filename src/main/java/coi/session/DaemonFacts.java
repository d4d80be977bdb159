package coi.session;

import coi.UsageException;
import coi.config.Config;
import coi.incus.IncusClient;
import coi.network.BridgeFacts;
import java.net.Inet4Address;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/**
 * The daemon's part of the {@link HostFacts}: for a fenced session the bridge of the default
 * profile and the addresses leased on it. Asked on a thread of its own as soon as a plan begins,
 * while the caller lists the instances: none of these requests needs the listing, and done one
 * after the other after it they were the plan's longest phase (`plan: host facts`, about 90 ms of a pooled `coi run`, most of it reading the answers
 * into records, which builds Jackson's ObjectMapper). Nothing is cached: every plan asks afresh.
 * Each answer is taken in the order the plan used to ask, so a failure reads as it did.
 */
final class DaemonFacts {
    private final FutureTask<Fenced> fenced;

    /** The bridge and what its DHCP server has leased (see {@link Fencing#leased}). */
    private record Fenced(BridgeFacts bridge, Set<Inet4Address> leased) {}

    private DaemonFacts(FutureTask<Fenced> fenced) {
        this.fenced = fenced;
    }

    /** Starts asking; the fence's facts only when {@code config}'s network mode is fenced. */
    static DaemonFacts ask(IncusClient incus, Fencing fencing, Config config) {
        FutureTask<Fenced> fenced = !fenced(config) ? null : start("coi-facts-bridge", new FutureTask<>(() -> {
            BridgeFacts bridge = fencing.bridge();
            return new Fenced(bridge, fencing.leased(bridge));
        }));
        return new DaemonFacts(fenced);
    }

    /** The bridge of a fenced session; waits for its answer. */
    BridgeFacts bridge() {
        return get(fenced).bridge();
    }

    /** The addresses leased on the bridge, to add to those the listing's instances pin. */
    Set<Inet4Address> leased() {
        return get(fenced).leased();
    }

    /**
     * Whether the plan will be fenced. A network setting the planner refuses asks for no bridge:
     * the planner then says what is wrong, at the point of the plan where it always did.
     */
    static boolean fenced(Config config) {
        try {
            return Planner.policy(config).fenced();
        } catch (UsageException refused) {
            return false;
        }
    }

    private static <T> FutureTask<T> start(String name, FutureTask<T> task) {
        Thread.ofPlatform().daemon().name(name).start(task);
        return task;
    }

    /** The answer, or the failure it ended with, thrown here as the request threw it. */
    private static <T> T get(FutureTask<T> task) {
        if (task == null) throw new IllegalStateException("a fenced session's bridge was not asked for");
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return task.get();
                } catch (InterruptedException e) {
                    // the request ends by itself (the client's timeouts): wait on, pass the interrupt on after
                    interrupted = true;
                }
            }
        } catch (ExecutionException e) {
            switch (e.getCause()) {
                case RuntimeException r -> throw r;
                case Error r -> throw r;
                default -> throw new IllegalStateException(e.getCause());
            }
        } finally {
            if (interrupted) Thread.currentThread().interrupt();
        }
    }
}
