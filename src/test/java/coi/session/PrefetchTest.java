package coi.session;

import static org.assertj.core.api.Assertions.assertThat;

import coi.config.Config;
import coi.config.ConfigLoader;
import coi.config.IncusEndpoint;
import coi.config.Overrides;
import coi.incus.IncusClient;
import java.lang.reflect.Proxy;
import java.lang.reflect.RecordComponent;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The prefetch's re-check: its answers reach a plan only when they are what the plan would have
 * asked for itself (same daemon, same image, a fenced guess for a fenced plan), each once, and a
 * prefetch that does not fit or failed leaves every question to the plan.
 */
class PrefetchTest extends FakeIncusSessions {

    /** The configuration without files, as the command's prefetch guesses it (here with the same env and home as {@link #config}). */
    private Config guess(Map<String, String> env) {
        return ConfigLoader.load(List.of(), env, dir.resolve("home"), Overrides.NONE);
    }

    private Prefetch started(Config guess) {
        Prefetch prefetch = Prefetch.start(() -> guess, i -> incus, 0);
        // the client is what the command's services take first
        return prefetch;
    }

    private String slotOne() {
        return ContainerName.of(PREFIX, ws, 1).value();
    }

    @Test
    void aPlanThroughTheSameDaemonTakesTheListingOnceAndTheNextPlanListsAgain() throws Exception {
        Config config = config("");
        Prefetch prefetch = started(guess(Map.of()));
        assertThat(prefetch.client(config.incus())).containsSame(incus);
        sessions.prefetched(prefetch);
        prefetch.settled();
        // slot 1 taken after the prefetch listed
        daemon.existing(slotOne(), "Running", Map.of(Labels.WORKSPACE, ws.path().toString()), true);

        assertThat(sessions.planShell(shell(config, null)).slot()).as("the prefetched listing").isEqualTo(1);
        assertThat(sessions.planShell(shell(config, null)).slot()).as("listed again").isEqualTo(2);
    }

    @Test
    void theListingIsTheCommandsOwnAndALostSlotIsSettledByTheCreate() throws Exception {
        Config config = config("");
        Prefetch prefetch = started(guess(Map.of()));
        assertThat(prefetch.client(config.incus())).containsSame(incus);
        sessions.prefetched(prefetch);
        prefetch.close();
        prefetch.settled();
        daemon.existing(slotOne(), "Running", Map.of(Labels.WORKSPACE, ws.path().toString()), true);

        // the prefetched listing predates the other container: the create finds the name taken and moves on
        SessionPlan plan = sessions.shell(shell(config, null)).plan();
        assertThat(plan.slot()).isEqualTo(2);
        assertThat(daemon.actions()).as("no create of slot 1 went through").doesNotContain("create " + slotOne());
        assertThat(daemon.instanceNames()).containsExactlyInAnyOrder(slotOne(), plan.container());
        assertThat(nft.fenced).as("the other container's rules are not this launch's").containsExactly(plan.container());
    }

    @Test
    void anotherDaemonOrProjectGetsNoClientAndNoAnswer() throws Exception {
        Config config = config("[incus]\nproject = \"elsewhere\"\n");
        Prefetch prefetch = started(guess(Map.of()));
        assertThat(prefetch.client(config.incus())).isEmpty();
        assertThat(prefetch.instances(incus)).as("never handed over: no answer for any client").isEmpty();
        assertThat(prefetch.facts(incus, config)).isEmpty();
        assertThat(prefetch.imageExists(incus, config.image())).isFalse();
    }

    @Test
    void anAnswerGoesOnlyToTheClientItWasAskedThrough() throws Exception {
        Config config = config("");
        Prefetch prefetch = started(guess(Map.of()));
        assertThat(prefetch.client(config.incus())).containsSame(incus);
        IncusClient other = daemon.client();
        try {
            assertThat(prefetch.instances(other)).isEmpty();
            assertThat(prefetch.facts(other, config)).isEmpty();
            assertThat(prefetch.imageExists(other, config.image())).isFalse();
        } finally {
            other.close();
        }
        assertThat(prefetch.client(config.incus())).as("handed over once").isEmpty();
    }

    @Test
    void aFencedPlanAfterAnOpenGuessAsksTheBridgeItself() throws Exception {
        Config fenced = config("");
        assertThat(DaemonFacts.fenced(fenced)).isTrue();
        Prefetch open = started(guess(Map.of("COI_NETWORK", "open")));
        assertThat(open.client(fenced.incus())).containsSame(incus);
        assertThat(open.facts(incus, fenced)).isEmpty();

        Prefetch restricted = started(guess(Map.of()));
        assertThat(restricted.client(fenced.incus())).containsSame(incus);
        Optional<DaemonFacts> facts = restricted.facts(incus, fenced);
        assertThat(facts).isPresent();
        assertThat(facts.get().bridge().name()).isEqualTo(coi.incus.FakeDaemon.BRIDGE);
        assertThat(restricted.facts(incus, fenced)).as("once").isEmpty();
    }

    @Test
    void theImageIsTakenOnlyAsAYesForTheSameNameAndANoIsAskedAgain() throws Exception {
        Prefetch prefetch = started(guess(Map.of()));
        assertThat(prefetch.client(config("").incus())).containsSame(incus);
        assertThat(prefetch.imageExists(incus, "another")).isFalse();

        // built after the prefetch asked: the launch's image step asks again and finds it
        Config late = config("[defaults]\nimage = \"late\"\n");
        Prefetch early = started(guess(Map.of("COI_IMAGE", "late")));
        assertThat(early.client(late.incus())).containsSame(incus);
        early.settled();
        daemon.alias("late");
        sessions.prefetched(early);
        SessionPlan plan = sessions.shell(shell(late, null)).plan();
        assertThat(daemon.instanceNames()).containsExactly(plan.container());
    }

    @Test
    void aFailedPrefetchAnswersNothingAndThePlanAsksAsItAlwaysDid() throws Exception {
        Config config = config("");
        Prefetch prefetch = Prefetch.start(() -> guess(Map.of()), i -> {
            throw new IllegalStateException("cannot open");
        }, 0);
        assertThat(prefetch.client(config.incus())).isEmpty();
        sessions.prefetched(prefetch);
        daemon.existing(slotOne(), "Running", Map.of(Labels.WORKSPACE, ws.path().toString()), true);
        assertThat(sessions.planShell(shell(config, null)).slot()).isEqualTo(2);
    }

    @Test
    void aClientNobodyTookIsClosed() throws Exception {
        AtomicInteger closed = new AtomicInteger();
        IncusClient counted = (IncusClient) Proxy.newProxyInstance(IncusClient.class.getClassLoader(), new Class<?>[] {IncusClient.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("close")) {
                        closed.incrementAndGet();
                        return null;
                    }
                    return method.invoke(incus, args);
                });
        Prefetch prefetch = Prefetch.start(() -> guess(Map.of()), i -> counted, 0);
        prefetch.close();
        prefetch.settled();
        assertThat(closed).hasValue(1);
        assertThat(prefetch.client(config("").incus())).as("closed: nobody takes it after").isEmpty();

        Prefetch taken = Prefetch.start(() -> guess(Map.of()), i -> counted, 0);
        assertThat(taken.client(config("").incus())).containsSame(counted);
        taken.close();
        assertThat(closed).as("the services close the client they took").hasValue(1);
    }

    @Test
    void sameDaemonTellsEveryComponentAndEveryKindOfEndpointApart() throws Exception {
        Config.Incus base = new Config.Incus(IncusEndpoint.CLI_DEFAULT, Optional.empty(), "incus-admin", 1000, Optional.empty(),
                Optional.empty(), Optional.empty());
        assertThat(Prefetch.sameDaemon(base, new Config.Incus(new IncusEndpoint.CliDefault(), Optional.empty(), "incus-admin", 1000,
                Optional.empty(), Optional.empty(), Optional.empty()))).isTrue();
        // each component in turn set to another value: whatever a later one adds, this fails until sameDaemon compares it
        Map<Class<?>, Object> other = Map.of(IncusEndpoint.class, new IncusEndpoint.Remote("elsewhere"), Optional.class, Optional.of("x"),
                String.class, "another-group", int.class, 1001);
        RecordComponent[] components = Config.Incus.class.getRecordComponents();
        for (int c = 0; c < components.length; c++) {
            Object[] values = new Object[components.length];
            for (int k = 0; k < components.length; k++) values[k] = components[k].getAccessor().invoke(base);
            assertThat(other).as(components[c].getName() + ": a type this test does not know").containsKey(components[c].getType());
            values[c] = other.get(components[c].getType());
            Config.Incus changed = Config.Incus.class.getDeclaredConstructor(
                    java.util.Arrays.stream(components).map(RecordComponent::getType).toArray(Class<?>[]::new)).newInstance(values);
            assertThat(Prefetch.sameDaemon(base, changed)).as(components[c].getName()).isFalse();
            assertThat(Prefetch.sameDaemon(changed, base)).as(components[c].getName()).isFalse();
        }
        List<IncusEndpoint> endpoints = new ArrayList<>(List.of(IncusEndpoint.CLI_DEFAULT, new IncusEndpoint.Socket(Path.of("/a")),
                new IncusEndpoint.Socket(Path.of("/b")), new IncusEndpoint.Remote("a"), new IncusEndpoint.Remote("b"),
                new IncusEndpoint.Url(URI.create("https://a:8443")), new IncusEndpoint.Url(URI.create("https://b:8443"))));
        assertThat(endpoints.stream().map(Object::getClass).distinct()).as("every kind of endpoint")
                .hasSize(IncusEndpoint.class.getPermittedSubclasses().length);
        for (IncusEndpoint a : endpoints) {
            for (IncusEndpoint b : endpoints) {
                assertThat(Prefetch.sameDaemon(with(base, a), with(base, b))).as(a + " / " + b).isEqualTo(a.equals(b));
            }
        }
    }

    private static Config.Incus with(Config.Incus base, IncusEndpoint endpoint) {
        return new Config.Incus(endpoint, base.project(), base.group(), base.codeUid(), base.pool(), base.serverCert(), base.timeoutSeconds());
    }
}
