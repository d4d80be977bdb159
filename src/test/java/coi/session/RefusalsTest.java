package coi.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RefusalsTest {
    private static final Instant T0 = Instant.parse("2026-12-05T12:00:00Z");

    @Test
    void eachHandBackOfTheSameContainerDoublesItsHoldUpToEightHours(@TempDir Path root) {
        Refusals r = new Refusals(root, Refusals.FIRST);
        List<String> monitored = List.of("coi-a-1", "coi-b-1");
        r.handedBack("coi-a-1", T0);
        assertThat(r.held(monitored, T0.plus(Duration.ofMinutes(9)))).containsExactly("coi-a-1");
        assertThat(r.held(monitored, T0.plus(Duration.ofMinutes(10)))).as("the first hold is over").isEmpty();

        Instant again = T0.plus(Duration.ofMinutes(11));
        r.handedBack("coi-a-1", again);
        assertThat(r.held(monitored, again.plus(Duration.ofMinutes(19)))).containsExactly("coi-a-1");
        assertThat(r.held(monitored, again.plus(Duration.ofMinutes(20)))).isEmpty();

        for (int i = 3; i <= 10; i++) r.handedBack("coi-a-1", again);
        assertThat(r.entries().get("coi-a-1")).isEqualTo(new Refusals.Entry(10, again.plus(Refusals.LONGEST)));
        assertThat(r.entries()).doesNotContainKey("coi-b-1");
    }

    @Test
    void aDayWithoutAHandBackAfterAHoldStartsTheCountOver(@TempDir Path root) {
        Refusals r = new Refusals(root, Refusals.FIRST);
        r.handedBack("coi-a-1", T0);
        r.handedBack("coi-a-1", T0.plus(Duration.ofHours(1)));
        assertThat(r.entries().get("coi-a-1").count()).isEqualTo(2);
        Instant quiet = T0.plus(Duration.ofHours(1)).plus(Duration.ofMinutes(20)).plus(Duration.ofDays(1)).plusSeconds(1);
        r.handedBack("coi-a-1", quiet);
        assertThat(r.entries().get("coi-a-1")).isEqualTo(new Refusals.Entry(1, quiet.plus(Refusals.FIRST)));
    }

    @Test
    void theCountOutlivesTheSupervisorThatHeldTheContainer(@TempDir Path root) {
        new Refusals(root, Refusals.FIRST).handedBack("coi-a-1", T0);
        // the next supervisor, started by the next hand-back, reads the count from the file
        Refusals next = new Refusals(root, Refusals.FIRST);
        next.handedBack("coi-a-1", T0.plus(Duration.ofHours(1)));
        assertThat(next.entries().get("coi-a-1")).isEqualTo(new Refusals.Entry(2, T0.plus(Duration.ofMinutes(80))));
    }

    @Test
    void containersNoLongerMonitoredAreForgottenAndTheFileGoesWithTheLast(@TempDir Path root) {
        Refusals r = new Refusals(root, Duration.ofSeconds(15));
        r.handedBack("coi-a-1", T0);
        r.handedBack("coi-b-1", T0);
        assertThat(r.held(List.of("coi-b-1"), T0)).containsExactly("coi-b-1");
        assertThat(new Refusals(root, Refusals.FIRST).entries()).containsOnlyKeys("coi-b-1");
        assertThat(r.held(List.of(), T0)).isEmpty();
        assertThat(root.resolve(Refusals.FILE)).doesNotExist();
        // the next hand-back of a forgotten container starts over at the first hold
        r.handedBack("coi-a-1", T0);
        assertThat(r.entries().get("coi-a-1")).isEqualTo(new Refusals.Entry(1, T0.plusSeconds(15)));
    }

    @Test
    void linesThisCodeDidNotWriteAreSkipped(@TempDir Path root) throws Exception {
        Files.writeString(root.resolve(Refusals.FILE), "coi-a-1\t3\t" + T0 + "\n../x\t1\t" + T0 + "\ncoi-b-1\tmany\tlater\ncoi-c-1\n"
                + "coi-d-1\t999999\t" + T0 + "\n");
        Refusals r = new Refusals(root, Refusals.FIRST);
        assertThat(r.entries()).containsOnlyKeys("coi-a-1", "coi-d-1");
        assertThat(r.entries().get("coi-d-1").count()).as("a count past any hold is capped").isEqualTo(64);
        r.handedBack("coi-d-1", T0);
        assertThat(r.entries().get("coi-d-1").until()).isEqualTo(T0.plus(Refusals.LONGEST));
    }

    @Test
    void theFirstHoldComesFromTheTestPropertyOnlyWhenItIsADuration(@TempDir Path root) throws Exception {
        String before = System.getProperty(Refusals.FIRST_PROPERTY);
        try {
            System.setProperty(Refusals.FIRST_PROPERTY, "PT15S");
            Refusals r = Refusals.of(root);
            r.handedBack("coi-a-1", T0);
            assertThat(r.entries().get("coi-a-1").until()).isEqualTo(T0.plusSeconds(15));
            System.setProperty(Refusals.FIRST_PROPERTY, "soon");
            Refusals s = Refusals.of(Files.createDirectories(root.resolve("other")));
            s.handedBack("coi-a-1", T0);
            assertThat(s.entries().get("coi-a-1").until()).isEqualTo(T0.plus(Refusals.FIRST));
        } finally {
            if (before == null) System.clearProperty(Refusals.FIRST_PROPERTY);
            else System.setProperty(Refusals.FIRST_PROPERTY, before);
        }
    }
}
