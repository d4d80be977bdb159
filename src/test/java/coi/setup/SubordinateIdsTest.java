package coi.setup;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** newuidmap's rule for root, as coi reads it before a session maps the user onto code. */
class SubordinateIdsTest {
    @Test
    void aRangeOfRootsHoldsAnIdAndRootsOwnIdNeedsNone() {
        String file = "alice:100000:65536\nroot:1000000:1000000000\n0:1000:1\n root:2000:2 \nroot:x:1\nroot:3000\n";
        assertThat(SubordinateIds.delegated(file, 0)).isTrue();
        assertThat(SubordinateIds.delegated(file, 1000)).as("by uid 0").isTrue();
        assertThat(SubordinateIds.delegated(file, 2001)).isTrue();
        assertThat(SubordinateIds.delegated(file, 2002)).as("the range ends before").isFalse();
        assertThat(SubordinateIds.delegated(file, 1000000)).isTrue();
        assertThat(SubordinateIds.delegated(file, 100000)).as("alice's, not root's").isFalse();
        assertThat(SubordinateIds.delegated(file, 3000)).as("not a range").isFalse();
        assertThat(SubordinateIds.delegated("", 1001)).isFalse();
    }

    @Test
    void whatIsMissingNamesTheFilesAndTheLinesSetupAdds() {
        String range = "root:1000000:1000000000\n";
        assertThat(SubordinateIds.missing(range + "root:1000:1\n", range + "root:1000:1\n", 1000, 1000)).isNull();
        assertThat(SubordinateIds.missing(range, range, 0, 0)).isNull();
        assertThat(SubordinateIds.missing(range, range, 1000, 1000)).isEqualTo("your uid 1000 and gid 1000 are not delegated to root in"
                + " /etc/subuid and /etc/subgid, so Incus cannot map you onto code (raw.idmap): `sudo coi setup` adds root:1000:1"
                + " to /etc/subuid and root:1000:1 to /etc/subgid");
        assertThat(SubordinateIds.missing(range + "root:1000:1\n", range, 1000, 1002)).isEqualTo("your gid 1002 is not delegated to root in"
                + " /etc/subgid, so Incus cannot map you onto code (raw.idmap): `sudo coi setup` adds root:1002:1 to /etc/subgid");
    }
}
