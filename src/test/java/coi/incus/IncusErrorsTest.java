package coi.incus;

import static coi.incus.FakeIncus.async;
import static coi.incus.FakeIncus.error;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The daemon's answers, as incusd 6.0.4 gives them (taken with curl on its socket), mapped to the
 * types callers act on: by status where the daemon sets one, sync or as a failed operation's wait.
 */
@Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class IncusErrorsTest extends FakeIncusTest {

    private void operationFails(String route, int errorCode, String error) {
        fake.on(route, async("op-1", "{}"));
        fake.on("GET /1.0/operations/op-1/wait?timeout=-1", FakeIncus.operationFailed(errorCode, error));
    }

    @Test
    void anAddressTakenByAnotherInstanceFailsTheStartAsAlreadyExists() {
        operationFails("PUT /1.0/instances/c1/state", 409,
                "Failed start validation for device \"eth0\": IP address \"10.0.0.7\" already defined on another NIC");

        assertThatThrownBy(() -> client.start("c1"))
                .isInstanceOf(IncusException.AlreadyExists.class)
                .hasMessageContaining("already defined on another NIC")
                .extracting(e -> ((IncusException) e).status()).isEqualTo(409);
    }

    @Test
    void anInstanceBusyWithAnotherOperationRefusesItsDeleteAsBusy() {
        operationFails("DELETE /1.0/instances/c1", 500,
                "Failed to create instance delete operation: Instance is busy running a \"start\" operation");

        assertThatThrownBy(() -> client.delete("c1", false))
                .isInstanceOf(IncusException.Busy.class)
                .isInstanceOf(IncusException.Conflict.class)
                .extracting(e -> ((IncusException) e).status()).isEqualTo(500);
    }

    @Test
    void aRunningInstanceRefusesAPlainDeleteAsBusy() {
        fake.on("DELETE /1.0/instances/c1", error(400, "Instance is running"));

        assertThatThrownBy(() -> client.delete("c1", false))
                .isInstanceOf(IncusException.Busy.class)
                .hasMessage("Instance is running")
                .extracting(e -> ((IncusException) e).status()).isEqualTo(400);
    }

    @Test
    void startingARunningInstanceIsNotBusy() {
        operationFails("PUT /1.0/instances/c1/state", 500, "The instance is already running");

        assertThatThrownBy(() -> client.start("c1"))
                .isExactlyInstanceOf(IncusException.class)
                .hasMessage("The instance is already running");
    }

    @Test
    void aFailedOperationsNotFoundIsNotFound() {
        operationFails("DELETE /1.0/instances/c1/snapshots/s1", 404, "Instance snapshot not found");

        assertThatThrownBy(() -> client.deleteSnapshot("c1", "s1"))
                .isInstanceOf(IncusException.NotFound.class)
                .hasMessage("Instance snapshot not found");
    }

    @Test
    void anAliasThatExistsIsAlreadyExists() {
        fake.on("POST /1.0/images/aliases", error(409, "Alias \\\"coi\\\" already exists"));

        assertThatThrownBy(() -> client.createAlias("coi", "abc", ""))
                .isInstanceOf(IncusException.AlreadyExists.class)
                .hasMessage("Alias \"coi\" already exists");
    }

    @Test
    void anOperationEndedAsFailureIsTypedByItsWordsOnly() {
        // an operation handed back as ended (not through the wait's error envelope) has no HTTP status
        fake.on("DELETE /1.0/instances/c1", async("op-1", "{}"));
        fake.on("GET /1.0/operations/op-1/wait?timeout=-1",
                FakeIncus.operationEnded("op-1", "Failure", "Instance is busy running a \\\"stop\\\" operation", "{}"));

        assertThatThrownBy(() -> client.delete("c1", false))
                .isInstanceOf(IncusException.Busy.class)
                .extracting(e -> ((IncusException) e).status()).isEqualTo(0);
    }

    @Test
    void aDeviceOfTheSameNameIsAlreadyExistsWithoutWriting() {
        fake.on("GET /1.0/instances/c1", FakeIncus.sync("{\"name\":\"c1\",\"devices\":{\"data\":{\"type\":\"disk\"}}}"));

        assertThatThrownBy(() -> client.addDevice("c1", "data", Map.of("type", "disk")))
                .isInstanceOf(IncusException.AlreadyExists.class)
                .hasMessage("device data already exists on c1");
        assertThat(fake.requests()).extracting(FakeIncus.Request::method).containsExactly("GET");
    }
}
