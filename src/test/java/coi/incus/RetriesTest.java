package coi.incus;

import static coi.incus.FakeIncus.async;
import static coi.incus.FakeIncus.error;
import static coi.incus.FakeIncus.operationEnded;
import static coi.incus.FakeIncus.sync;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The tries made again by choice: only on "busy", and never for ever. */
@Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class RetriesTest extends FakeIncusTest {
    private static final String BUSY = "Failed to create instance delete operation: Instance is busy running a \\\"start\\\" operation";

    @Test
    void triesAgainWhileBusy() {
        int[] tries = {0};

        Retries.whileBusy(5, Duration.ofMillis(1), () -> {
            if (++tries[0] < 3) throw new IncusException.Busy(500, "Instance is busy");
        });

        assertThat(tries[0]).isEqualTo(3);
    }

    @Test
    void givesUpAfterTheLastAttemptWithItsError() {
        int[] tries = {0};

        assertThatThrownBy(() -> Retries.whileBusy(3, Duration.ofMillis(1), () -> {
            tries[0]++;
            throw new IncusException.Busy(500, "busy #" + tries[0]);
        }))
                .isInstanceOf(IncusException.Busy.class)
                .hasMessage("busy #3");
        assertThat(tries[0]).isEqualTo(3);
    }

    @Test
    void anyOtherErrorIsNotTriedAgain() {
        int[] tries = {0};

        assertThatThrownBy(() -> Retries.whileBusy(3, Duration.ofMillis(1), () -> {
            tries[0]++;
            throw new IncusException(500, "no space left on device");
        }))
                .hasMessage("no space left on device");
        assertThat(tries[0]).isEqualTo(1);
    }

    @Test
    void deletesAnInstanceStillStartingOnceItGives() {
        fake.on("GET /1.0/instances/c1", sync("{\"name\":\"c1\",\"status\":\"Running\"}"));
        fake.on("PUT /1.0/instances/c1/state", async("op-stop", "{}"));
        fake.on("GET /1.0/operations/op-stop/wait?timeout=-1", operationEnded("op-stop", "Success", "", "{}"));
        fake.on("DELETE /1.0/instances/c1", error(500, BUSY), error(500, BUSY), async("op-del", "{}"));
        fake.on("GET /1.0/operations/op-del/wait?timeout=-1", operationEnded("op-del", "Success", "", "{}"));

        Retries.delete(client, "c1");

        List<String> deletesAndStops = fake.requests().stream()
                .filter(r -> r.method().equals("DELETE") || r.method().equals("PUT"))
                .map(r -> r.method().equals("PUT") ? "stop" : "delete").toList();
        // each try is the client's own force delete: it stops the instance that runs by then, then deletes
        assertThat(deletesAndStops).containsExactly("stop", "delete", "stop", "delete", "stop", "delete");
    }

    @Test
    void anInstanceSomeoneElseRemovedMeanwhileCountsAsDeleted() {
        fake.on("GET /1.0/instances/c1", sync("{\"name\":\"c1\",\"status\":\"Stopped\"}"),
                sync("{\"name\":\"c1\",\"status\":\"Stopped\"}"), error(404, "Instance not found"));
        fake.on("DELETE /1.0/instances/c1", error(500, "Failed deleting instance: unmount: device or resource busy"));

        Retries.delete(client, "c1");

        assertThat(fake.requests()).extracting(FakeIncus.Request::method).containsExactly("GET", "DELETE", "GET", "GET");
    }

    @Test
    void anInstanceAlreadyGoneIsDeleted() {
        fake.on("GET /1.0/instances/c1", error(404, "Instance not found"));

        Retries.delete(client, "c1");

        assertThat(fake.requests()).hasSize(1);
    }
}
