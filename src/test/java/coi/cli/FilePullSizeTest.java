package coi.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import coi.UsageException;
import org.junit.jupiter.api.Test;

/** `coi file pull --max-size`: sizes as Incus reads them, "none", and a clear error for anything else. */
class FilePullSizeTest {
    @Test
    void sizesWithAndWithoutUnits() {
        assertThat(FileCommand.bytes("10GiB")).isEqualTo(10L << 30);
        assertThat(FileCommand.bytes("2KiB")).isEqualTo(2048);
        assertThat(FileCommand.bytes("500MB")).isEqualTo(500_000_000L);
        assertThat(FileCommand.bytes("3k")).isEqualTo(3000);
        assertThat(FileCommand.bytes("3kB")).isEqualTo(3000);
        assertThat(FileCommand.bytes("1T")).isEqualTo(1_000_000_000_000L);
        assertThat(FileCommand.bytes("123")).isEqualTo(123);
        assertThat(FileCommand.bytes("123B")).isEqualTo(123);
        assertThat(FileCommand.bytes("none")).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void anythingElseIsAUsageErrorNamingTheForm() {
        for (String bad : new String[] {"", "ten", "10 GiB", "-1", "1.5G", "10XB", "10gib"}) {
            assertThatThrownBy(() -> FileCommand.bytes(bad)).as(bad).isInstanceOf(UsageException.class)
                    .hasMessageContaining("--max-size must be a size like 500MiB");
        }
        assertThatThrownBy(() -> FileCommand.bytes("0")).isInstanceOf(UsageException.class).hasMessageContaining("more than 0");
        assertThatThrownBy(() -> FileCommand.bytes("999999999999999TiB")).isInstanceOf(UsageException.class)
                .hasMessageContaining("more than any disk holds");
    }
}
