package coi;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ResidentSetTest {
    private static final List<String> SMAPS = List.of(
            "7f0ae64e3000-7f0ae756f000 r-xp 002e3000 fe:01 1234 /usr/lib/jvm/lib/server/libjvm.so",
            "Size:              16944 kB",
            "Rss:               10800 kB",
            "Anonymous:             0 kB",
            "AnonHugePages:         0 kB",
            "VmFlags: rd ex mr mw me",
            "800001000-800913000 rw-p 00001000 fe:01 99 /usr/lib/coi/coi.aot",
            "Rss:                9288 kB",
            "Anonymous:          9112 kB",
            "800913000-80183a000 r--p 00913000 fe:01 99 /usr/lib/coi/coi.aot",
            "Rss:               15516 kB",
            "Anonymous:             0 kB",
            "7f0ae7880000-7f0ae796b000 r--p 01780000 fe:01 1234 /usr/lib/jvm/lib/server/libjvm.so",
            "Anonymous:           940 kB",
            "ff400000-ffb00000 rw-p 00000000 00:00 0 ",
            "Anonymous:          7040 kB",
            "7fff5c1f1000-7fff5c1f3000 r-xp 00000000 00:00 0                          [vdso]",
            "Anonymous:             0 kB");

    @Test
    void onlyNeverWrittenReadOnlyFileMappingsAreDropped() {
        var mappings = ResidentSet.parse(SMAPS);
        assertThat(mappings).hasSize(6);
        assertThat(mappings.get(0)).isEqualTo(new ResidentSet.Mapping(0x7f0ae64e3000L, 0x7f0ae756f000L, "r-xp",
                "/usr/lib/jvm/lib/server/libjvm.so", 0));
        // libjvm's code and the cache's read-only part; not the cache's written part, not relocated
        // read-only data (private copies), not the heap, not the vdso
        assertThat(mappings.stream().filter(ResidentSet.Mapping::droppable).map(m -> m.perms() + " " + m.path()))
                .containsExactly("r-xp /usr/lib/jvm/lib/server/libjvm.so", "r--p /usr/lib/coi/coi.aot");
    }

    @Test
    void trimmingTheTestJvmLeavesItRunning() {
        assertThat(ResidentSet.trim()).isPositive();
        // code and class data dropped above come back from their files when they run again
        assertThat(ResidentSet.parse(SMAPS)).hasSize(6);
        assertThat(new java.util.concurrent.ConcurrentSkipListMap<>(java.util.Map.of("a", 1)).firstKey()).isEqualTo("a");
    }
}
