package coi.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SessionStoreTest {
    static SessionMetadata meta(String id, String ws, String saved) {
        return new SessionMetadata(id, "coi-00000000-1", "claude", false, ws, saved, saved, 1, "coi", "ended");
    }

    @Test
    void metadataIsWrittenInTheOriginalsFieldNames(@TempDir Path root) throws Exception {
        SessionStore store = new SessionStore(root);
        store.save(meta("a", "/w1", "2026-01-01T10:00:00Z"));
        String json = Files.readString(root.resolve("sessions-claude/a/metadata.json"));
        assertThat(json).contains("\"session_id\"", "\"container_name\"", "\"saved_at\"", "\"workspace\" : \"/w1\"", "\"persistent\" : false");
        assertThat(store.find("claude", "a")).contains(meta("a", "/w1", "2026-01-01T10:00:00Z"));
    }

    /** The Go original's metadata.json has no tool, and an old or hand-made one may lack a time: its place says the rest. */
    @Test
    void metadataWithoutToolIdOrTimeIsReadAsItsFolderSaysAndSortsFirst(@TempDir Path root) throws Exception {
        SessionStore store = new SessionStore(root);
        store.save(meta("b", "/w1", "2026-01-01T10:00:00Z"));
        Path go = Files.createDirectories(root.resolve("sessions-claude/go-1"));
        Files.writeString(go.resolve("metadata.json"), "{\"container_name\": \"coi-00000000-1\", \"persistent\": false, \"workspace\": \"/w1\"}");
        List<SessionMetadata> all = store.all();
        assertThat(all).extracting(SessionMetadata::sessionId).containsExactly("go-1", "b");
        assertThat(all.getFirst().tool()).isEqualTo("claude");
        assertThat(all.getFirst().savedAt()).isNull();
        assertThat(store.newest("claude", new Workspace(Path.of("/w1")))).map(SessionMetadata::sessionId).contains("b");
        store.delete(all.getFirst());
        assertThat(go).doesNotExist();
    }

    /**
     * The monitor's "stopped by" and an end on the container's stop event come at the same moment (CI saw the end,
     * read before the monitor's save, written after it, and the "stopped by" lost): an update reads under the
     * session's lock, so the second sees the first's save. Here the first holds its turn until the second has asked.
     */
    @Test
    void anUpdateReadsWhatAConcurrentUpdateSavedNotWhatWasThereBefore(@TempDir Path root) throws Exception {
        SessionStore store = new SessionStore(root);
        store.save(meta("s", "/w1", "2026-01-01T10:00:00Z").running("coi-00000000-1", 1, false, "2026-01-01T10:00:00Z"));
        var holding = new java.util.concurrent.CountDownLatch(1);
        var asked = new java.util.concurrent.CountDownLatch(1);
        Thread monitor = Thread.ofPlatform().start(() -> store.update("claude", "s", m -> {
            holding.countDown();
            try {
                asked.await(2, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return m.stoppedBy("monitor: reverse shell", "2026-01-01T10:00:01Z");
        }));
        holding.await();
        var seen = new java.util.concurrent.atomic.AtomicReference<SessionMetadata>();
        Thread end = Thread.ofPlatform().start(() -> store.update("claude", "s", m -> {
            seen.set(m);
            return "running".equals(m.status()) ? m.ended("2026-01-01T10:00:02Z") : m;
        }));
        // blocked on the lock (the process's own turn), not merely not yet scheduled
        for (int i = 0; i < 500 && end.getState() != Thread.State.WAITING; i++) Thread.sleep(10);
        assertThat(end.getState()).isEqualTo(Thread.State.WAITING);
        assertThat(seen.get()).as("the end waits for the monitor's turn").isNull();
        asked.countDown();
        monitor.join();
        end.join();
        assertThat(seen.get().stoppedBy()).isEqualTo("monitor: reverse shell");
        SessionMetadata saved = store.find("claude", "s").orElseThrow();
        assertThat(saved.status()).isEqualTo("ended");
        assertThat(saved.stoppedBy()).isEqualTo("monitor: reverse shell");
        assertThat(saved.savedAt()).isEqualTo("2026-01-01T10:00:01Z");
    }

    @Test
    void anUpdateOfASessionThatHasNoMetadataMakesNothing(@TempDir Path root) throws Exception {
        SessionStore store = new SessionStore(root);
        assertThat(store.update("claude", "none", m -> m.ended("2026-01-01T10:00:00Z"))).isEmpty();
        assertThat(root.resolve("sessions-claude")).doesNotExist();
        // a folder without metadata (a launch's first steps) is left as it is
        Path bare = java.nio.file.Files.createDirectories(root.resolve("sessions-claude/bare"));
        assertThat(store.update("claude", "bare", m -> m.ended("2026-01-01T10:00:00Z"))).isEmpty();
        assertThat(bare.resolve("metadata.json")).doesNotExist();
    }

    @Test
    void writersSavingTheSameSessionAtOnceAllSucceedAndLeaveOneWholeFile(@TempDir Path root) throws Exception {
        SessionStore store = new SessionStore(root);
        var pool = java.util.concurrent.Executors.newFixedThreadPool(8);
        try {
            List<java.util.concurrent.Future<?>> saves = new java.util.ArrayList<>();
            for (int i = 0; i < 200; i++) {
                String at = "2026-01-01T10:00:" + String.format("%02d", i % 60) + "Z";
                saves.add(pool.submit(() -> store.save(meta("same", "/w1", at))));
            }
            for (var save : saves) save.get();
        } finally {
            pool.shutdown();
        }
        assertThat(store.find("claude", "same")).isPresent();
        try (var files = Files.list(root.resolve("sessions-claude/same"))) {
            assertThat(files.map(f -> f.getFileName().toString())).containsExactly("metadata.json");
        }
    }

    @Test
    void newestIsPerWorkspace(@TempDir Path root) {
        SessionStore store = new SessionStore(root);
        store.save(meta("old", "/w1", "2026-01-01T10:00:00Z"));
        store.save(meta("new", "/w1", "2026-01-02T10:00:00Z"));
        store.save(meta("other", "/w2", "2026-01-03T10:00:00Z"));
        assertThat(store.newest("claude", new Workspace(Path.of("/w1")))).map(SessionMetadata::sessionId).contains("new");
        assertThat(store.newest("claude", new Workspace(Path.of("/w3")))).isEmpty();
        assertThat(store.find("other")).isPresent();
    }

    @Test
    void aDamagedMetadataFileDoesNotHideTheOthers(@TempDir Path root) throws Exception {
        SessionStore store = new SessionStore(root);
        store.save(meta("good", "/w1", "2026-01-01T10:00:00Z"));
        Files.createDirectories(root.resolve("sessions-claude/bad"));
        Files.writeString(root.resolve("sessions-claude/bad/metadata.json"), "{ not json");
        assertThat(store.all()).extracting(SessionMetadata::sessionId).containsExactly("good");
    }
}
