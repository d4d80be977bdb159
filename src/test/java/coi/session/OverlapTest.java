package coi.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class OverlapTest {

    @Test
    void bothStepsRunAtTheSameTime() {
        CountDownLatch sideStarted = new CountDownLatch(1), mainStarted = new CountDownLatch(1);
        String result = Overlap.run(() -> {
            sideStarted.countDown();
            await(mainStarted);
        }, () -> {
            mainStarted.countDown();
            await(sideStarted);
            return "done";
        });
        assertThat(result).isEqualTo("done");
    }

    @Test
    void theSideStepHasFinishedWhenTheMainStepFails() {
        AtomicBoolean sideDone = new AtomicBoolean();
        assertThatThrownBy(() -> Overlap.run(() -> {
            sleep(200);
            sideDone.set(true);
        }, (Runnable) () -> {
            throw new IllegalStateException("main failed");
        })).hasMessage("main failed");
        assertThat(sideDone).isTrue();
    }

    @Test
    void aSideFailureIsThrownWhenTheMainStepSucceeds() {
        assertThatThrownBy(() -> Overlap.run(() -> {
            throw new IllegalArgumentException("side failed");
        }, () -> "fine")).isInstanceOf(IllegalArgumentException.class).hasMessage("side failed");
    }

    @Test
    void bothFailuresAreKept() {
        assertThatThrownBy(() -> Overlap.run(() -> {
            throw new IllegalArgumentException("side failed");
        }, (Runnable) () -> {
            throw new IllegalStateException("main failed");
        })).hasMessage("main failed").satisfies(e -> assertThat(e.getSuppressed()).extracting(Throwable::getMessage).containsExactly("side failed"));
    }

    private static void await(CountDownLatch latch) {
        try {
            assertThat(latch.await(10, TimeUnit.SECONDS)).as("the other step ran meanwhile").isTrue();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aStepOfTwoTakesBackTheOneThatFinishedWhenTheOtherFails() {
        List<String> undone = new CopyOnWriteArrayList<>();
        Launcher.Step view = Launcher.step("view", l -> () -> undone.add("view"));
        Launcher.Step create = Launcher.step("create", l -> {
            throw new IllegalStateException("create failed");
        });
        Launcher launcher = new Launcher(List.of(Overlap.steps("view", view, create)));
        assertThatThrownBy(() -> launcher.launch(null)).hasMessage("create failed");
        assertThat(undone).containsExactly("view");

        Launcher.Step home = Launcher.step("home", l -> () -> undone.add("home"));
        try (Launcher.Launched launched = new Launcher(List.of(Overlap.steps("home", view, home))).launch(null)) {
            assertThat(launched.done()).containsExactly("home");
        }
        assertThat(undone).as("the main step's undo, then the side step's").containsExactly("view", "home", "view");
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }
}
