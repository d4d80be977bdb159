package coi.session;

import static org.assertj.core.api.Assertions.assertThat;

import coi.config.Config;
import coi.incus.Json;
import java.util.List;
import org.junit.jupiter.api.Test;

class MonitorLabelTest {
    private static final Config.Monitoring SETTINGS = new Config.Monitoring(true, false, true, 51, 77, 123, 45, List.of(4444, 1337), 9);

    @Test
    void decodesWhatEncodeWrote() {
        assertThat(MonitorLabel.decode(MonitorLabel.encode(SETTINGS))).contains(SETTINGS);
        Config.Monitoring other = new Config.Monitoring(false, true, false, 0, 1, 2, 3, List.of(), 30);
        assertThat(MonitorLabel.decode(MonitorLabel.encode(other))).contains(other);
    }

    @Test
    void readsAsBindingDid() throws Exception {
        // the label written by coi before decoding went by hand, read by the ObjectMapper as it used to be
        String label = MonitorLabel.encode(SETTINGS);
        assertThat(MonitorLabel.decode(label)).contains(Json.MAPPER.readValue(label, Config.Monitoring.class));
        // a missing field is false or 0, as binding made it
        assertThat(MonitorLabel.decode("{\"enabled\":true,\"suspicious_ports\":[22]}"))
                .contains(new Config.Monitoring(true, false, false, 0, 0, 0, 0, List.of(22), 0));
    }

    @Test
    void aLabelCoiDidNotWriteIsNoSettings() {
        assertThat(MonitorLabel.decode(null)).isEmpty();
        assertThat(MonitorLabel.decode(" ")).isEmpty();
        assertThat(MonitorLabel.decode("not json")).isEmpty();
        assertThat(MonitorLabel.decode("[1,2]")).isEmpty();
        assertThat(MonitorLabel.decode("{\"enabled\":true}")).isEmpty();
        assertThat(MonitorLabel.decode("{\"enabled\":\"yes\",\"suspicious_ports\":[]}")).isEmpty();
        assertThat(MonitorLabel.decode("{\"enabled\":true,\"suspicious_ports\":[\"22\"]}")).isEmpty();
        assertThat(MonitorLabel.decode("{\"enabled\":true,\"process_count_threshold\":1.5,\"suspicious_ports\":[]}")).isEmpty();
    }
}
