package coi.train;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The AOT cache holds what the training ran: a command that fails early against the stand-in (or
 * a request it cannot answer) trains less than a user's run loads, silently. This keeps the
 * training's commands running as far as they do for a user.
 */
class TrainingTest {
    @Test
    void theFullTrainingRunsEveryCommandToItsEnd() throws Exception {
        assertThat(Training.train(true)).isEmpty();
    }

    @Test
    void theSessionTrainingRunsItsLaunchesToTheirEnd() throws Exception {
        assertThat(Training.train(false)).isEmpty();
    }
}
