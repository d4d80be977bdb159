package coi.tool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which resume form a resumed session hands each tool, from what its state dir holds. */
class ResumeFromTest {
    /** What claude 2.1 writes when it starts and the user quits without a word: no conversation. */
    static final String NO_MESSAGE = """
            {"type":"mode","mode":"normal","sessionId":"b281f035"}
            {"type":"permission-mode","permissionMode":"bypassPermissions","sessionId":"b281f035"}
            """;
    /** ...and once the user typed a line, even one the API never answered. */
    static final String MESSAGE = NO_MESSAGE
            + "{\"parentUuid\":null,\"type\":\"user\",\"message\":{\"role\":\"user\",\"content\":\"hello there\"}}\n";

    @Test
    void claudeContinuesOnlyAConversationWithAUserMessage(@TempDir Path state) throws Exception {
        Tool claude = Tool.CLAUDE;
        assertThat(claude.resumeFrom(state)).isEqualTo(Resume.none());
        Path transcripts = Files.createDirectories(state.resolve("projects/-workspace"));
        Files.writeString(transcripts.resolve("b281f035.jsonl"), NO_MESSAGE);
        assertThat(claude.resumeFrom(state)).as("a transcript without a message").isEqualTo(Resume.none());
        Files.writeString(transcripts.resolve("other.txt"), MESSAGE);
        assertThat(claude.resumeFrom(state)).as("not a transcript").isEqualTo(Resume.none());
        Files.writeString(transcripts.resolve("d281b8ee.jsonl"), MESSAGE);
        assertThat(claude.resumeFrom(state)).isEqualTo(Resume.latest());
    }

    @Test
    void linksInTheStateDirAreNotFollowed(@TempDir Path dir) throws Exception {
        Path elsewhere = Files.createDirectories(dir.resolve("elsewhere/-workspace"));
        Files.writeString(elsewhere.resolve("x.jsonl"), MESSAGE);
        Path state = Files.createDirectories(dir.resolve("state"));
        Files.createSymbolicLink(state.resolve("projects"), dir.resolve("elsewhere"));
        assertThat(Tool.CLAUDE.resumeFrom(state)).isEqualTo(Resume.none());

        Path other = Files.createDirectories(dir.resolve("other/projects/-workspace"));
        Files.createSymbolicLink(other.resolve("x.jsonl"), elsewhere.resolve("x.jsonl"));
        assertThat(Tool.CLAUDE.resumeFrom(dir.resolve("other"))).isEqualTo(Resume.none());
    }

    @Test
    void aFifoAmongTheTranscriptsIsSkippedWithoutBlocking(@TempDir Path state) throws Exception {
        Path transcripts = Files.createDirectories(state.resolve("projects/-workspace"));
        // sorted first or not, a FIFO no one writes would hang the launch if it were opened for reading
        assertThat(new ProcessBuilder("mkfifo", transcripts.resolve("0000.jsonl").toString()).start().waitFor()).isZero();
        assertThat(assertTimeoutPreemptively(Duration.ofSeconds(30), () -> Tool.CLAUDE.resumeFrom(state))).isEqualTo(Resume.none());
        Files.writeString(transcripts.resolve("d281b8ee.jsonl"), MESSAGE);
        assertThat(assertTimeoutPreemptively(Duration.ofSeconds(30), () -> Tool.CLAUDE.resumeFrom(state))).isEqualTo(Resume.latest());
    }

    @Test
    void aLongTranscriptIsLookedIntoByItsHead(@TempDir Path state) throws Exception {
        Path transcripts = Files.createDirectories(state.resolve("projects/-workspace"));
        Files.writeString(transcripts.resolve("long.jsonl"), MESSAGE + "x".repeat(Transcripts.LIMIT));
        assertThat(Tool.CLAUDE.resumeFrom(state)).isEqualTo(Resume.latest());
        // a message past the first LIMIT bytes is not read
        Files.writeString(transcripts.resolve("long.jsonl"), "x".repeat(Transcripts.LIMIT) + "\n" + MESSAGE);
        assertThat(Tool.CLAUDE.resumeFrom(state)).isEqualTo(Resume.none());
    }

    @Test
    void opencodeAndCodexAcceptTheirResumeFormOnAnEmptyState(@TempDir Path state) {
        // checked with the real CLIs: `opencode --continue` and `codex resume --last` open normally with nothing to resume
        assertThat(Tool.OPENCODE.resumeFrom(state)).isEqualTo(Resume.latest());
        assertThat(Tool.CODEX.resumeFrom(state)).isEqualTo(Resume.latest());
    }
}
