package coi.network;

import java.time.Instant;
import java.util.function.Consumer;

/**
 * Keeps one container's allowlist current: resolves it at start, then again whenever
 * {@link #tick} finds the refresh interval passed, and hands a changed answer to
 * {@code onChange} (coi: the new rules through {@link NetworkFence#apply}, then /etc/hosts in the
 * container). Names that fail keep their last good answer ({@link AllowlistResolver}); a failing
 * {@code onChange} leaves the previous rules in place (nft transactions are atomic) and the next
 * round tries again. No thread of its own: the session watcher ticks it.
 */
public final class AllowlistRefresher {
    private final AllowlistResolver resolver;
    private final NetworkPolicy.Allowlist policy;
    private final Consumer<ResolvedAllowlist> onChange;
    private Instant due;
    private ResolvedAllowlist current;

    public AllowlistRefresher(AllowlistResolver resolver, NetworkPolicy.Allowlist policy, Consumer<ResolvedAllowlist> onChange) {
        this.resolver = resolver;
        this.policy = policy;
        this.onChange = onChange;
    }

    /** Resolves and applies once, whatever the answer (errors propagate: the session must not start). */
    public synchronized ResolvedAllowlist start() {
        ResolvedAllowlist first = resolver.resolve(policy.entries());
        onChange.accept(first);
        current = first;
        return first;
    }

    /**
     * Refreshes when the interval since the previous tick's refresh (or the first tick) passed;
     * returns whether the rules changed.
     */
    public synchronized boolean tick(Instant now) {
        if (due == null) due = now.plus(policy.refresh());
        if (now.isBefore(due)) return false;
        due = now.plus(policy.refresh());
        ResolvedAllowlist before = current;
        refreshNow();
        return current != before;
    }

    /** Resolves now and applies the answer when addresses or names changed; returns the answer. */
    public synchronized ResolvedAllowlist refreshNow() {
        ResolvedAllowlist next = resolver.resolve(policy.entries());
        // unknown rules (a refresher taking over a running container): a first answer with failures would drop names they allow
        if (current == null && !next.failures().isEmpty()) return next;
        if (current != null && next.addresses().equals(current.addresses()) && next.hosts().equals(current.hosts())) return next;
        onChange.accept(next);
        current = next;
        return next;
    }
}
