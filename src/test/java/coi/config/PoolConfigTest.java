package coi.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PoolConfigTest {
    @TempDir
    Path tmp;
    Layers layers;

    @BeforeEach
    void setUp() {
        layers = new Layers(tmp);
    }

    @Test
    void noPoolUnlessAskedFor() {
        assertThat(layers.load().pool().size()).isZero();
    }

    @Test
    void sizeFromAFileOrTheEnvironment() {
        layers.file("config.toml", "[pool]\nsize = 3\n");
        assertThat(layers.load().pool().size()).isEqualTo(3);
        layers.env.put("COI_POOL_SIZE", "1");
        assertThat(layers.load().pool().size()).isEqualTo(1);
    }

    @Test
    void badSizesNameWhereTheyCameFrom() {
        layers.env.put("COI_POOL_SIZE", "many");
        assertThatThrownBy(layers::load).isInstanceOf(ConfigException.class).hasMessageContaining("COI_POOL_SIZE")
                .hasMessageContaining("a pool size from 0 to 99");
        layers.env.remove("COI_POOL_SIZE");
        Path file = layers.file("c.toml", "[pool]\nsize = -1\n");
        assertThatThrownBy(layers::load).isInstanceOf(ConfigException.class).hasMessageStartingWith(file + ":2:");
        layers.files.removeFirst();
        Path other = layers.file("d.toml", "[pool]\nsise = 1\n");
        assertThatThrownBy(layers::load).isInstanceOf(ConfigException.class).hasMessageStartingWith(other + ":2:1: unknown key 'sise' in [pool]");
    }
}
