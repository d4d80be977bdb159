package coi.session;

import static org.assertj.core.api.Assertions.assertThat;

import coi.incus.IncusClient;
import coi.testing.CoiProcess.Result;
import coi.testing.Sandbox;
import coi.testing.TestIncus;
import java.nio.file.Files;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** persist, info, shutdown/kill --all, clean --sessions: managing sessions with bin/coi. */
@Tag("incus")
class AdminE2EIT {

    @Test
    void persistKeepsARunningSessionWhenItStops() throws Exception {
        try (Sandbox box = new Sandbox(); IncusClient incus = TestIncus.client()) {
            assertThat(box.run("shell", "--detach").exitCode()).isZero();
            Result persist = box.run("persist", box.container(1));
            assertThat(persist.out()).contains("Persisted " + box.container(1));
            assertThat(box.run("list", "--format", "json").out()).contains("\"mode\" : \"persistent\"");
            assertThat(box.run("container", "stop", box.container(1), "--force").exitCode()).isZero();
            assertThat(incus.instance(box.container(1)).status()).as("Incus no longer removes it when it stops").isEqualTo("Stopped");
            assertThat(Files.readString(box.sessionDirs().getFirst().resolve("metadata.json"))).contains("\"persistent\" : true");
            Result clean = box.run("clean", "--force");
            assertThat(clean.out()).as("a stopped coi container is a leftover for clean").contains("removed " + box.container(1));
        }
    }

    @Test
    void infoShowsTheNewestSessionOfTheWorkspaceAndHowToResumeIt() {
        try (Sandbox box = new Sandbox()) {
            Result none = box.run("info");
            assertThat(none.exitCode()).isEqualTo(1);
            assertThat(none.err()).contains("no saved session");
            assertThat(box.run("shell", "--detach").exitCode()).isZero();
            String id = box.sessionDirs().getFirst().getFileName().toString();
            Result info = box.run("info", "--format", "json");
            assertThat(info.out()).contains("\"session_id\" : \"" + id + "\"", "\"status\" : \"running\"",
                    "\"container_status\" : \"Running\"", "--resume " + id);
            assertThat(box.run("shutdown", box.container(1), "--timeout", "30").exitCode()).isZero();
            assertThat(box.run("info", id).out()).contains("ended", "gone");
            Result unknown = box.run("info", "no-such-session");
            assertThat(unknown.exitCode()).as("not found, as the original says it").isEqualTo(1);
            assertThat(unknown.err()).contains("unknown session id no-such-session");
        }
    }

    @Test
    void allAsksForConfirmationAndRefusesWithoutATerminal() {
        try (Sandbox box = new Sandbox(); IncusClient incus = TestIncus.client()) {
            assertThat(box.run("shell", "--detach").exitCode()).isZero();
            for (String cmd : new String[] {"shutdown", "kill"}) {
                Result refused = box.run(cmd, "--all");
                assertThat(refused.exitCode()).isEqualTo(2);
                assertThat(refused.err()).contains("no terminal", "--force");
            }
            assertThat(incus.instance(box.container(1)).running()).isTrue();
            Result usage = box.run("kill");
            assertThat(usage.exitCode()).isEqualTo(2);
            assertThat(usage.err()).contains("name the containers to kill");
            Result notCoi = box.run("kill", "coi-build-nothing");
            assertThat(notCoi.exitCode()).isEqualTo(1);
            Result kill = box.run("kill", box.container(1));
            assertThat(kill.out()).as(kill.toString()).contains("Killed " + box.container(1));
            assertThat(incus.instanceExists(box.container(1))).isFalse();
        }
    }

    @Test
    void cleanSessionsDeletesEndedSessionsOnly() throws Exception {
        try (Sandbox box = new Sandbox()) {
            assertThat(box.run("shell", "--detach").exitCode()).isZero();
            assertThat(box.run("kill", box.container(1)).exitCode()).isZero();
            assertThat(box.run("shell", "--detach").exitCode()).isZero();
            assertThat(box.sessionDirs()).hasSize(2);
            Result clean = box.run("clean", "--sessions", "--force");
            assertThat(clean.out()).as(clean.toString()).contains("deleted session");
            assertThat(box.sessionDirs()).as("the running session is kept").hasSize(1);
            assertThat(Files.readString(box.sessionDirs().getFirst().resolve("metadata.json"))).contains("\"running\"");
            // --all: the original's name of --sessions, which leaves the running session as well
            Result all = box.run("clean", "--all", "--force");
            assertThat(all.exitCode()).as(all.toString()).isZero();
            assertThat(box.sessionDirs()).hasSize(1);
        }
    }
}
