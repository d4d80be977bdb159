package coi.cli;

import static org.assertj.core.api.Assertions.assertThat;

import coi.incus.FakeDaemon;
import coi.session.SessionMetadata;
import coi.session.SessionStore;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A well-formed session id that names no saved session is "not found": exit 1 with what to do,
 * as the original's `coi info` and this coi's `coi kill NAME` say it, not a usage error (2).
 */
class UnknownSessionTest {
    @TempDir
    Path dir;
    FakeDaemon daemon;
    Map<String, String> env;

    @BeforeEach
    void oneSavedSession() throws Exception {
        daemon = FakeDaemon.start(dir);
        env = Map.of("HOME", dir.toString(), "PWD", dir.toString(), "COI_INCUS_SOCKET", dir.resolve("incus.socket").toString());
        new SessionStore(dir.resolve(".coi")).save(new SessionMetadata("s-1", "coi-aaaa1111-1", "claude", false, "/home/u/p",
                "2026-12-04T11:00:00Z", "2026-12-04T10:39:24Z", 1, "coi", "ended"));
    }

    @AfterEach
    void stop() {
        daemon.close();
    }

    @Test
    void infoOfAnUnknownIdIsNotFound() {
        Answer unknown = Answer.ordinary(env, "info", "no-such-id");
        assertThat(unknown.code()).as(unknown.toString()).isEqualTo(1);
        assertThat(unknown.err()).contains("unknown session id no-such-id").contains("`coi list --all`").doesNotContain("Exception");

        Answer known = Answer.ordinary(env, "info", "s-1");
        assertThat(known.code()).as(known.toString()).isZero();
        assertThat(known.out()).contains("s-1");
    }
}
