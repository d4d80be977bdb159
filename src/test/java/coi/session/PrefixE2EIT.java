package coi.session;

import static org.assertj.core.api.Assertions.assertThat;

import coi.incus.IncusClient;
import coi.incus.Json;
import coi.testing.CoiProcess.Result;
import coi.testing.Sandbox;
import coi.testing.TestIncus;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The original's convention, end to end with bin/coi: a container whose name carries coi's prefix
 * is coi's, labelled or not (made with `coi container launch`, by hand or by an older coi).
 */
@Tag("incus")
class PrefixE2EIT {
    /** The original's `coi list --format json` fields (see ../shared/baseline/coi). */
    static final List<String> ORIGINAL_FIELDS = List.of("name", "status", "created_at", "image", "persistent", "ipv4");

    /**
     * coi with its prefix narrowed to this sandbox's workspace (`coitest-...-<hash>-`): `--all`
     * and `clean` then reach this test's containers only, even on a daemon other runs share.
     */
    static Result coi(Sandbox box, String... args) {
        return box.coi().env("COI_CONTAINER_PREFIX", box.container(1).substring(0, box.container(1).length() - 1)).run(args);
    }

    static List<String> names(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    @Test
    void containersLaunchedUnderThePrefixAreListedKilledShutDownAndCleaned() throws Exception {
        try (Sandbox box = new Sandbox(); IncusClient incus = TestIncus.client()) {
            // names as coi would give them, launched without any of coi's labels
            String killed = box.container(7), stopped = box.container(8), cleaned = box.container(9);
            for (String name : List.of(killed, stopped, cleaned)) {
                Result launched = coi(box, "container", "launch", TestIncus.baseImage(), name);
                assertThat(launched.exitCode()).as(launched.toString()).isZero();
            }
            incus.awaitIpv4(killed, java.time.Duration.ofSeconds(30));

            Result list = coi(box, "list", "--all", "--format", "json");
            assertThat(list.exitCode()).as(list.toString()).isZero();
            JsonNode json = Json.MAPPER.readTree(list.out());
            assertThat(names(json)).containsExactly("active_containers", "saved_sessions");
            JsonNode first = json.get("active_containers").get(0);
            assertThat(first.get("name").asText()).isEqualTo(killed);
            assertThat(names(first)).containsAll(ORIGINAL_FIELDS);
            assertThat(first.get("status").asText()).isEqualTo("Running");
            assertThat(first.get("persistent").asBoolean()).as("launched without --ephemeral").isTrue();
            assertThat(first.get("created_at").asText()).matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d");
            assertThat(first.get("ipv4").asText()).as("eth0's address on coi's bridge").isEqualTo(
                    incus.instanceState(killed).network().get("eth0").addresses().stream()
                            .filter(a -> "inet".equals(a.family())).findFirst().orElseThrow().address());
            assertThat(first.get("alias").asText()).isEqualTo(TestIncus.baseImage());
            assertThat(json.get("active_containers")).extracting(c -> c.get("name").asText()).containsExactly(killed, stopped, cleaned);
            assertThat(coi(box, "list").out()).contains(killed, TestIncus.baseImage());

            Result kill = coi(box, "kill", killed);
            assertThat(kill.exitCode()).as(kill.toString()).isZero();
            assertThat(kill.out()).isEqualTo("Killed " + killed + "\nKilled 1 container(s)\n");
            assertThat(incus.instanceExists(killed)).isFalse();

            Result shutdown = coi(box, "shutdown", stopped, "--timeout", "30");
            assertThat(shutdown.exitCode()).as(shutdown.toString()).isZero();
            assertThat(shutdown.out()).isEqualTo("Shutdown " + stopped + "\nShutdown 1 container(s)\n");
            assertThat(incus.instanceExists(stopped)).isFalse();

            assertThat(coi(box, "container", "stop", cleaned, "--force").exitCode()).isZero();
            Result clean = coi(box, "clean", "--force");
            assertThat(clean.exitCode()).as(clean.toString()).isZero();
            // network rules of containers gone meanwhile are counted too (they may be another run's)
            assertThat(clean.out()).contains("removed " + cleaned).containsPattern("Cleaned \\d+ item\\(s\\)");
            assertThat(incus.instanceExists(cleaned)).isFalse();

            Result nothing = coi(box, "kill", "--all", "--force");
            assertThat(nothing.out()).isEqualTo("No containers to kill\n");
            assertThat(coi(box, "kill", "-q", "--all", "--force").out()).as("-q").isEmpty();
            Result outside = coi(box, "kill", "coi-build-nothing");
            assertThat(outside.exitCode()).isEqualTo(1);
            assertThat(outside.err()).contains("is not a coi container");
        }
    }

    @Test
    void persistAllWithForceTakesAnUnlabelledContainerAndAttachFindsIt() {
        try (Sandbox box = new Sandbox(); IncusClient incus = TestIncus.client()) {
            String name = box.container(6);
            assertThat(coi(box, "container", "launch", TestIncus.baseImage(), name, "--ephemeral").exitCode()).isZero();
            Result refused = coi(box, "persist", "--all");
            assertThat(refused.exitCode()).as("--all asks first, and there is no terminal").isEqualTo(2);
            Result persist = coi(box, "persist", "--all", "--force");
            assertThat(persist.exitCode()).as(persist.toString()).isZero();
            assertThat(persist.out()).isEqualTo("Persisted " + name + "\nPersisted 1 container(s)\n");
            assertThat(incus.instance(name).ephemeral()).isFalse();
            Result attach = coi(box, "attach", name);
            assertThat(attach.err()).as("found as coi's; it just has no tool session to attach to").contains("no tmux session in " + name);
        }
    }
}
