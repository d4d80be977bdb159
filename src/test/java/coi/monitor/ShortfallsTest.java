package coi.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ShortfallsTest {
    /** A shortfall that lasts 25 looks is raised (high); one look accounted for in between starts over; containers apart. */
    @Test
    void aShortfallIsRaisedWhenItLastsTwentyFiveLooks() {
        Shortfalls s = new Shortfalls();
        for (int i = 1; i < Shortfalls.LOOKS; i++) assertThat(s.see("a", 2)).as("look " + i).isNull();
        assertThat(s.see("b", 1)).isNull();
        assertThat(s.see("a", 0)).isNull();
        for (int i = 1; i < Shortfalls.LOOKS; i++) assertThat(s.see("a", 2)).isNull();
        Threat threat = s.see("a", 2);
        assertThat(threat).isNotNull();
        assertThat(threat.level()).isEqualTo(Level.HIGH);
        assertThat(threat.title()).isEqualTo("cgroups beyond the monitor's walk");
        assertThat(threat.description()).contains("pids.current counted 2 tasks more than two walks and a scan of /proc found, at 25 looks in a row");
        assertThat(s.see("a", 3)).as("and at each look after, for the responder to deduplicate").isNotNull();
        s.forget("a");
        assertThat(s.see("a", 3)).isNull();
    }

    /** A pids.current that cannot be read is not known, raised when that lasts as long, not at once (a container stopping). */
    @Test
    void aCountThatCannotBeReadIsRaisedOnlyWhenItLasts() {
        Shortfalls s = new Shortfalls();
        for (int i = 1; i < Shortfalls.LOOKS; i++) assertThat(s.see("a", HostView.NOT_KNOWN)).isNull();
        assertThat(s.see("a", HostView.NOT_KNOWN).description()).contains("pids.current could not be read").contains("at 25 looks in a row");
    }
}
