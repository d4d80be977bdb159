package coi.session;

import static org.assertj.core.api.Assertions.assertThat;

import coi.incus.ExecRequest;
import coi.incus.IncusClient;
import coi.incus.Model;
import coi.testing.Await;
import coi.testing.CoiProcess.Result;
import coi.testing.Sandbox;
import coi.testing.TestIncus;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The placeholders a session makes for the protected paths a workspace lacks (see {@link
 * Placeholders}) stay while any container of the workspace may mount them and are gone once none
 * is left, without a `coi clean`: the workspace is as the user left it.
 */
@Tag("incus")
class PlaceholdersE2EIT {
    /** Inside, as code: the placeholders are there and can be neither written nor removed. */
    private static final String HELD = "test -d .vscode && test -f .mcp.json && ! (echo x > .mcp.json) 2>/dev/null"
            + " && ! rmdir .vscode 2>/dev/null && ! rm -f lefthook.yml 2>/dev/null && echo held";

    private static List<String> listing(Path ws) {
        try (Stream<Path> s = Files.walk(ws)) {
            return s.map(p -> ws.relativize(p).toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether the workspace lists as {@code expected}; false while a sweep removes something under the listing's feet. */
    private static boolean listsAs(Path ws, List<String> expected) {
        try {
            return listing(ws).equals(expected);
        } catch (UncheckedIOException removedMeanwhile) {
            return false;
        }
    }

    private static String shown(Path ws) {
        try {
            return listing(ws).toString();
        } catch (UncheckedIOException e) {
            return "(changing: " + e.getMessage() + ")";
        }
    }

    @Test
    void aRunLeavesTheWorkspaceAsItFoundItOnceItsContainerIsGone() throws Exception {
        try (Sandbox box = new Sandbox()) {
            Files.writeString(box.workspace.resolve("README"), "mine\n");
            List<String> before = listing(box.workspace);
            Result r = box.run("run", HELD);
            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertThat(r.out()).isEqualTo("held\n");
            // the helper that ends the run (`coi __reap`) takes them away once the container is gone
            Await.until(() -> listsAs(box.workspace, before), 60, () -> "left in the workspace: " + shown(box.workspace)
                    + "\n" + box.diagnostics());
        }
    }

    @Test
    void aSessionOfTheSameFolderByAnotherPathKeepsWhatARunByALinkMadeAfterThatRunEnds() throws Exception {
        try (Sandbox box = new Sandbox(); IncusClient incus = TestIncus.client()) {
            Path alias = Files.createSymbolicLink(box.root.resolve("alias"), box.workspace);
            List<String> before = listing(box.workspace);
            // the run, by the link, makes the placeholders; the shell, by the folder's own path, starts while it runs and mounts them
            CompletableFuture<Result> run = CompletableFuture.supplyAsync(() -> box.run("run", "-w", alias.toString(), "--", "sleep", "10"));
            Await.until(() -> Files.exists(box.workspace.resolve(".mcp.json")), 60, box::diagnostics);
            Result shell = box.run("shell", "--detach");
            assertThat(shell.exitCode()).as(shell.toString()).isZero();
            Result ran = run.get(120, TimeUnit.SECONDS);
            assertThat(ran.exitCode()).as(ran.toString()).isZero();
            String runs = alias.toString();
            Await.until(() -> incus.instancesWithoutState().stream().noneMatch(i -> runs.equals(i.configValue(Labels.WORKSPACE))), 60,
                    box::diagnostics);
            // the run's helper sweeps once its container is gone; `coi clean` sweeps at once
            Thread.sleep(5000);
            Result clean = box.run("clean", "--force");
            assertThat(clean.out()).doesNotContain("placeholder");
            assertThat(listing(box.workspace)).contains(".mcp.json", ".vscode", "lefthook.yml");
            Model.ExecResult asCode = incus.execCapture(box.container(1), ExecRequest.of("sh", "-c", HELD).as(1000, 1000).in("/workspace"));
            assertThat(asCode.out()).as(asCode.err()).isEqualTo("held\n");

            assertThat(box.run("kill", "--force", box.container(1)).exitCode()).isZero();
            Await.until(() -> listsAs(box.workspace, before), 60, () -> "left in the workspace: " + shown(box.workspace)
                    + "\n" + box.diagnostics());
        }
    }

    @Test
    void placeholdersStayWhileASessionOfTheWorkspaceIsLeftAndGoWithTheLastExceptWhatTheUserPutThere() throws Exception {
        try (Sandbox box = new Sandbox(); IncusClient incus = TestIncus.client()) {
            List<String> before = listing(box.workspace);
            for (String slot : List.of("1", "2")) {
                Result start = box.run("shell", "--detach", "--slot", slot);
                assertThat(start.exitCode()).as(start.toString()).isZero();
            }
            // the user's own file in a placeholder folder, written on the host while the sessions run
            Files.writeString(box.workspace.resolve(".vscode/settings.json"), "{\"editor.tabSize\": 2}\n");

            Result kill = box.run("kill", "--force", box.container(1));
            assertThat(kill.exitCode()).as(kill.toString()).isZero();
            // however often a sweep runs now (the background process acts on slot 1's end; `coi clean` sweeps at once),
            // slot 2 keeps what it mounts, read-only for code and, through the locked view, for root
            Result clean = box.run("clean", "--force");
            assertThat(clean.out()).doesNotContain("placeholder");
            Thread.sleep(5000);
            assertThat(listing(box.workspace)).contains(".mcp.json", ".vscode", "lefthook.yml");
            String slot2 = box.container(2);
            Model.ExecResult asCode = incus.execCapture(slot2, ExecRequest.of("sh", "-c", HELD).as(1000, 1000).in("/workspace"));
            assertThat(asCode.out()).as(asCode.err()).isEqualTo("held\n");
            Model.ExecResult asRoot = incus.execCapture(slot2, ExecRequest.of("sh", "-c",
                    "touch /workspace/.mcp.json 2>&1; umount /workspace/.mcp.json 2>&1; test -f /workspace/.mcp.json && echo there"));
            assertThat(asRoot.out()).contains("Read-only file system").endsWith("there\n");

            assertThat(box.run("kill", "--force", slot2).exitCode()).isZero();
            List<String> after = new ArrayList<>(before);
            after.addAll(List.of(".vscode", ".vscode/settings.json"));
            after.sort(null);
            Await.until(() -> listsAs(box.workspace, after), 60, () -> "left in the workspace: " + shown(box.workspace)
                    + "\n" + box.diagnostics());
        }
    }
}
