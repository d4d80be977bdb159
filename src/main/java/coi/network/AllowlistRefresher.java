package coi.network;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Re-resolves an allowlist every {@code refresh} and hands a changed result to {@code onChange}
 * (typically: {@link NetworkFence#apply} with the new addresses, then rewrite /etc/hosts in the
 * container). A failing {@code onChange} leaves the previous rules in place (nft transactions are
 * atomic) and goes to {@code onError}; the next round tries again.
 */
public final class AllowlistRefresher implements AutoCloseable {

    private final AllowlistResolver resolver;
    private final NetworkPolicy.Allowlist policy;
    private final Consumer<ResolvedAllowlist> onChange;
    private final Consumer<RuntimeException> onError;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "coi-allowlist-refresh");
        t.setDaemon(true);
        return t;
    });
    private ResolvedAllowlist current;

    public AllowlistRefresher(AllowlistResolver resolver, NetworkPolicy.Allowlist policy,
                              Consumer<ResolvedAllowlist> onChange, Consumer<RuntimeException> onError) {
        this.resolver = resolver;
        this.policy = policy;
        this.onChange = onChange;
        this.onError = onError;
    }

    /** Resolves and applies once, synchronously (errors propagate: the session must not start), then schedules refreshes. */
    public ResolvedAllowlist start() {
        ResolvedAllowlist first = resolver.resolve(policy.entries());
        onChange.accept(first);
        synchronized (this) {
            current = first;
        }
        long every = policy.refresh().toMillis();
        timer.scheduleWithFixedDelay(() -> {
            try {
                refreshNow();
            } catch (RuntimeException e) {
                onError.accept(e);
            }
        }, every, every, TimeUnit.MILLISECONDS);
        return first;
    }

    /** Resolves now; calls {@code onChange} only when addresses or names changed. */
    public synchronized ResolvedAllowlist refreshNow() {
        ResolvedAllowlist next = resolver.resolve(policy.entries());
        if (current == null || !next.addresses().equals(current.addresses()) || !next.hosts().equals(current.hosts())) {
            onChange.accept(next);
        }
        current = next;
        return next;
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
