package coi.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MonitoringConfigTest {
    @TempDir
    Path tmp;
    Layers layers;

    @BeforeEach
    void setUp() {
        layers = new Layers(tmp);
    }

    @Test
    void offByDefaultWithTheIssuesDefaults() {
        assertThat(layers.load().monitoring()).isEqualTo(new Config.Monitoring(false, true, true, 100, 250, 500, 200,
                List.of(4444, 5555, 1337, 31337), 30));
    }

    @Test
    void everyKeyIsReadFromAFileAProfileOrTheEnvironment() {
        layers.file("config.toml", """
                [monitoring]
                enabled = true
                auto_pause_on_high = false
                auto_kill_on_critical = false
                file_read_threshold_mb = 50
                file_write_threshold_mb = 60
                process_count_threshold = 70
                process_spawn_rate_threshold = 80
                suspicious_ports = [9999]
                audit_log_retention_days = 7

                [profiles.watched.monitoring]
                process_count_threshold = 90
                """);
        assertThat(layers.load().monitoring()).isEqualTo(new Config.Monitoring(true, false, false, 50, 60, 70, 80, List.of(9999), 7));
        layers.profile = "watched";
        assertThat(layers.load().monitoring().processCountThreshold()).isEqualTo(90);
        layers.env.put("COI_MONITOR", "false");
        assertThat(layers.load().monitoring().enabled()).isFalse();
        assertThat(layers.load().withMonitoring().monitoring().enabled()).isTrue();
    }

    @Test
    void badValuesNameFileLineAndKey() {
        Path file = layers.file("c.toml", "[monitoring]\nsuspicious_ports = [22, 70000]\n");
        assertThatThrownBy(layers::load).isInstanceOf(ConfigException.class)
                .hasMessage(file + ":2:25: 'suspicious_ports' in [monitoring] must contain only port numbers 1-65535, got integer 70000");
        Path other = layers.file("d.toml", "[monitoring]\nenable = true\n");
        layers.files.removeFirst();
        assertThatThrownBy(layers::load).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(other + ":2:1: unknown key 'enable' in [monitoring] (known: enabled, auto_pause_on_high,");
    }
}
