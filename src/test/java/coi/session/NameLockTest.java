package coi.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Threads of one process take turns at a name's lock, as processes do (a second file lock in one process would fail, not wait). */
class NameLockTest {
    @TempDir
    Path root;

    @Test
    void aSecondThreadWaitsForTheFirstsTurnAndATryGetsNothingMeanwhile() throws Exception {
        CompletableFuture<Boolean> second;
        try (NameLock first = NameLock.hold(root, "coi-aaaa1111-1")) {
            assertThat(CompletableFuture.supplyAsync(() -> NameLock.tryHold(root, "coi-aaaa1111-1").isPresent()).get(10, TimeUnit.SECONDS))
                    .as("another thread's try while it is held").isFalse();
            second = CompletableFuture.supplyAsync(() -> {
                try (NameLock turn = NameLock.hold(root, "coi-aaaa1111-1")) {
                    return true;
                }
            });
            try {
                second.get(300, TimeUnit.MILLISECONDS);
                throw new AssertionError("the second thread got the lock while the first held it");
            } catch (TimeoutException waiting) {
                // as it should: waiting for its turn
            }
            assertThat(NameLock.tryHold(root, "coi-bbbb2222-1")).as("another name is free").hasValueSatisfying(NameLock::close);
        }
        assertThat(second.get(10, TimeUnit.SECONDS)).as("its turn came once the first let go").isTrue();
        assertThat(NameLock.tryHold(root, "coi-aaaa1111-1")).as("free again").hasValueSatisfying(NameLock::close);
    }
}
