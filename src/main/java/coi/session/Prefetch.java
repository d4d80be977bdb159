package coi.session;

import coi.config.Config;
import coi.config.IncusEndpoint;
import coi.incus.IncusClient;
import coi.incus.Model;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * What a new session's plan asks the daemon before its first container request, asked on a thread
 * of its own as soon as the command starts, while the main thread reads the config files: the
 * client of the daemon, the {@link DaemonFacts}, the instance listing and whether the image's alias
 * exists. Done one after the other after the config they were about 100-200 ms of a cold `coi
 * shell`'s start (`plan: instances listed`, `launch: image`). What the config files say is not
 * known yet, so they are asked for the configuration that the environment and the flags alone
 * make (the {@code guess}: the same defaults and COI_* layers, no files), and each answer is
 * used only where it is exactly what the sequential code would have asked for:
 * <ul>
 * <li>the client only when the config read names the same {@code [incus]} (endpoint, project,
 * timeouts, ...) as the guess, and every other answer only by a plan through that very client;
 * <li>the bridge facts only when the guess was fenced too (else they are asked afresh);
 * <li>the image's existence only for the same image name, and only a yes (a no is asked again);
 * <li>each answer once: a second plan by the same service asks afresh.
 * </ul>
 * A prefetch that failed, or that does not fit, is no answer: the caller asks as it always did,
 * at the point where it always did, so a failure reads as it did (the facts' own requests fail
 * where the plan reads them, as they did). The listing is as old as the command (up to a few
 * hundred milliseconds older than it was): what it decides (the slot, the addresses, a pool member
 * to try first) was never final, and still is not: Incus's unique names and addresses settle a
 * slot or an address another coi took meanwhile (the create and the start move the launch on), the
 * claim's compare-and-swap a member taken meanwhile (and a claim that finds none lists again), and
 * whether the rules go in beside the create is asked under the container's name lock, not read from
 * the listing. Nothing it asks changes anything.
 */
public final class Prefetch implements AutoCloseable {
    /** Nothing asked: every question goes to the daemon when it is asked. */
    public static final Prefetch NONE = new Prefetch(false);

    private final CompletableFuture<Config> guess = new CompletableFuture<>();
    private final CompletableFuture<IncusClient> client = new CompletableFuture<>();
    private final CompletableFuture<DaemonFacts> facts = new CompletableFuture<>();
    private final CompletableFuture<List<Model.Instance>> instances = new CompletableFuture<>();
    private final CompletableFuture<Boolean> image = new CompletableFuture<>();

    /** Who has the client: nobody yet, the command's services, or nobody ever (closed). */
    private enum Owner { NONE, ADOPTED, CLOSED }

    private final AtomicReference<Owner> owner = new AtomicReference<>(Owner.NONE);
    private final AtomicBoolean instancesTaken = new AtomicBoolean();
    private final AtomicBoolean factsTaken = new AtomicBoolean();
    private final AtomicBoolean imageTaken = new AtomicBoolean();

    private Prefetch(boolean asking) {
        // nothing will be asked: every answer is none
        if (!asking) {
            for (CompletableFuture<?> f : List.of(guess, client, facts, instances, image)) f.cancel(false);
        }
    }

    /**
     * Starts asking on a daemon thread; returns at once.
     *
     * @param guess the configuration without its files (the environment's and the flags' layers)
     * @param open  opens the client of an {@code [incus]} configuration, as the command's services would
     * @param uid   the invoking user (the fence's host side, which the bridge facts come through)
     */
    public static Prefetch start(Supplier<Config> guess, Function<Config.Incus, IncusClient> open, int uid) {
        Prefetch p = new Prefetch(true);
        Thread.ofPlatform().daemon().name("coi-prefetch").start(() -> p.ask(guess, open, uid));
        return p;
    }

    /** The questions, in the order the plan asks them; each failure ends the ones after it. */
    void ask(Supplier<Config> guessed, Function<Config.Incus, IncusClient> open, int uid) {
        try {
            Config config = guessed.get();
            guess.complete(config);
            coi.Trace.mark("prefetch: guessed");
            IncusClient incus = open.apply(config.incus());
            client.complete(incus);
            coi.Trace.mark("prefetch: client");
            facts.complete(DaemonFacts.ask(incus, Fencing.onHost(incus, uid), config));
            instances.complete(incus.instancesWithoutState());
            coi.Trace.mark("prefetch: instances listed");
            image.complete(incus.aliasExists(config.image()));
            coi.Trace.mark("prefetch: image");
        } catch (RuntimeException e) {
            for (CompletableFuture<?> f : List.of(guess, client, facts, instances, image)) f.completeExceptionally(e);
        } catch (Error e) {
            for (CompletableFuture<?> f : List.of(guess, client, facts, instances, image)) f.completeExceptionally(e);
            throw e;
        }
    }

    /** The client of {@code incus}, when the guess named the same one and opening it worked; the caller then owns it. */
    public Optional<IncusClient> client(Config.Incus incus) {
        Optional<Config> g = answer(guess);
        if (g.isEmpty() || !sameDaemon(g.get().incus(), incus)) return Optional.empty();
        Optional<IncusClient> opened = answer(client);
        if (opened.isPresent() && !owner.compareAndSet(Owner.NONE, Owner.ADOPTED)) return Optional.empty();
        return opened;
    }

    /** The instances (without state) as {@code incus} lists them, when it is the client this prefetch asked through; once. */
    Optional<List<Model.Instance>> instances(IncusClient incus) {
        if (!asks(incus) || !instancesTaken.compareAndSet(false, true)) return Optional.empty();
        return answer(instances);
    }

    /** The daemon's facts for a plan of {@code config} through {@code incus}; once. */
    Optional<DaemonFacts> facts(IncusClient incus, Config config) {
        if (!asks(incus) || !factsTaken.compareAndSet(false, true)) return Optional.empty();
        Optional<Config> g = answer(guess);
        // a fenced plan needs the bridge, which only a fenced guess asked for
        if (g.isEmpty() || DaemonFacts.fenced(config) && !DaemonFacts.fenced(g.get())) return Optional.empty();
        return answer(facts);
    }

    /** Whether {@code incus} has said that the alias {@code name} exists (false: not asked, or not known to exist: ask). */
    boolean imageExists(IncusClient incus, String name) {
        if (!asks(incus) || !imageTaken.compareAndSet(false, true)) return false;
        Optional<Config> g = answer(guess);
        return g.isPresent() && g.get().image().equals(name) && answer(image).orElse(false);
    }

    /**
     * Whether two {@code [incus]} configurations are the same, component by component. Not the
     * record's equals: its first call bootstraps the record's ObjectMethods, 20-50 ms of the main
     * thread in a fresh JVM (the AOT cache keeps no such call site). PrefetchTest changes each
     * component of the record and each kind of endpoint, so a component added later is caught.
     */
    static boolean sameDaemon(Config.Incus a, Config.Incus b) {
        return sameEndpoint(a.endpoint(), b.endpoint()) && a.project().equals(b.project()) && a.group().equals(b.group())
                && a.codeUid() == b.codeUid() && a.pool().equals(b.pool()) && a.serverCert().equals(b.serverCert())
                && a.timeoutSeconds().equals(b.timeoutSeconds());
    }

    private static boolean sameEndpoint(IncusEndpoint a, IncusEndpoint b) {
        if (a instanceof IncusEndpoint.Socket s) return b instanceof IncusEndpoint.Socket t && s.path().equals(t.path());
        if (a instanceof IncusEndpoint.Remote r) return b instanceof IncusEndpoint.Remote t && r.name().equals(t.name());
        if (a instanceof IncusEndpoint.Url u) return b instanceof IncusEndpoint.Url t && u.url().equals(t.url());
        if (a instanceof IncusEndpoint.CliDefault) return b instanceof IncusEndpoint.CliDefault;
        return false;
    }

    /** Whether {@code incus} is the client this prefetch opened and handed over. */
    private boolean asks(IncusClient incus) {
        return owner.get() == Owner.ADOPTED && answer(client).orElse(null) == incus;
    }

    /**
     * Closes the client when nobody took it (once it is open, if it is not yet), without waiting
     * for the questions: a daemon the config does not name may be slow to answer, or not at all.
     */
    @Override
    public void close() {
        if (owner.compareAndSet(Owner.NONE, Owner.CLOSED)) client.thenAccept(IncusClient::close);
    }

    /** Waits until every question has been answered or has failed. */
    void settled() {
        answer(image);
    }

    /** The answer, or empty when it failed; waits for it (the requests end by themselves: the client's timeouts). */
    private static <T> Optional<T> answer(CompletableFuture<T> future) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return Optional.ofNullable(future.get());
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException | java.util.concurrent.CancellationException failed) {
                    return Optional.empty();
                }
            }
        } finally {
            if (interrupted) Thread.currentThread().interrupt();
        }
    }
}
