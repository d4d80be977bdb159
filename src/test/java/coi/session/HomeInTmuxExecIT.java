package coi.session;

import static org.assertj.core.api.Assertions.assertThat;

import coi.incus.ExecRequest;
import coi.incus.IncusClient;
import coi.incus.Model;
import coi.testing.CoiProcess.Result;
import coi.testing.Sandbox;
import coi.testing.TestIncus;
import coi.testing.Await;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A cold `coi shell` whose devices put nothing below code's home but its own folders makes the
 * home in the exec that starts tmux, as code (see {@link CodeHome#inTmuxExec}), in a real
 * container: the context file is the plan's text to the byte (its backticks and `$` never run),
 * ~/.tmux is code's private folder, and nothing in the home is root's. A home that exec cannot
 * make (here: code is uid 1001, the image's home is 1000's) is made by root's pass, then tmux
 * starts as before. A shell from the warm pool makes its home the same way (no file call into the
 * claimed member).
 */
@Tag("incus")
class HomeInTmuxExecIT {
    @Test
    void theTmuxExecMakesCodesHomeAndWritesTheContextVerbatim() {
        try (Sandbox box = new Sandbox().with("COI_TRACE", "1"); IncusClient incus = TestIncus.client()) {
            Result shell = box.run("shell", "--detach");
            assertThat(shell.exitCode()).as(shell.toString()).isZero();
            assertThat(shell.err()).contains("home: made by the tmux exec").doesNotContain("home: prepared");
            String container = box.container(1);
            assertThat(root(incus, container, "stat -c '%U %a %n' /home/code/SANDBOX_CONTEXT.md /home/code/.tmux; find /home/code -uid 0"))
                    .isEqualTo("code 644 /home/code/SANDBOX_CONTEXT.md\ncode 700 /home/code/.tmux\n");
            String context = root(incus, container, "cat /home/code/SANDBOX_CONTEXT.md");
            assertThat(context).startsWith("# Sandbox context\n").contains("- **Container**: " + container + " (slot 1)",
                    "- **User**: `code` with passwordless sudo", "`sudo poweroff` ends the session; your tool's state is saved and"
                            + " `coi shell --resume` continues it.");
            assertThat(root(incus, container, "ps -eo uid=,args= | grep -c '^ *1000 .*fake-ai'")).as("the tool runs as code").isNotEqualTo("0\n");
            assertThat(box.run("kill", container).exitCode()).isZero();
        }
    }

    @Test
    void aHomeTheExecCannotMakeIsMadeByRootsPassAndTheSessionStarts() throws Exception {
        try (Sandbox box = new Sandbox().with("COI_TRACE", "1"); IncusClient incus = TestIncus.client()) {
            Files.writeString(Files.createDirectories(box.home.resolve(".config/coi")).resolve("config.toml"), "[incus]\ncode_uid = 1001\n");
            Result shell = box.run("shell", "--detach");
            assertThat(shell.exitCode()).as(shell.toString()).isZero();
            assertThat(shell.err()).contains("home: prepared").doesNotContain("home: made by the tmux exec");
            String container = box.container(1);
            assertThat(root(incus, container, "stat -c '%u %a %n' /home/code/SANDBOX_CONTEXT.md /home/code/.tmux"))
                    .isEqualTo("1001 644 /home/code/SANDBOX_CONTEXT.md\n1001 700 /home/code/.tmux\n");
            assertThat(root(incus, container, "ps -eo uid=,args= | grep -c '^ *1001 .*tmux'")).isNotEqualTo("0\n");
            assertThat(box.run("kill", container).exitCode()).isZero();
        }
    }

    @Test
    void aShellFromThePoolHasItsHomeMadeByTheTmuxExecToo() throws Exception {
        try (Sandbox box = new Sandbox().with("COI_TRACE", "1"); IncusClient incus = TestIncus.client()) {
            Path config = box.root.resolve("pool.toml");
            Files.writeString(config, "[security]\nprotected_paths = []\n[pool]\nsize = 1\n");
            box.with("COI_CONFIG", config.toString());
            Result fill = box.run("pool", "fill");
            assertThat(fill.exitCode()).as(fill.toString()).isZero();
            Await.until(() -> box.run("pool", "status", "--format", "json").out().contains("\"fits\" : true"), 90,
                    () -> "no ready pool member: " + box.run("pool", "status"));
            Result shell = box.run("shell", "--detach");
            assertThat(shell.exitCode()).as(shell.toString()).isZero();
            assertThat(shell.err()).contains("pool: claimed", "home: made by the tmux exec").doesNotContain("home: prepared");
            String member = shell.err().replaceAll("(?s).*pool: claimed (\\S+).*", "$1");
            assertThat(root(incus, member, "stat -c '%U %a %n' /home/code/SANDBOX_CONTEXT.md /home/code/.tmux; find /home/code -uid 0"))
                    .isEqualTo("code 644 /home/code/SANDBOX_CONTEXT.md\ncode 700 /home/code/.tmux\n");
            assertThat(root(incus, member, "cat /home/code/SANDBOX_CONTEXT.md")).contains("- **Container**: " + member + " (slot 1)");
            assertThat(root(incus, member, "ps -eo uid=,args= | grep -c '^ *1000 .*fake-ai'")).as("the tool runs as code").isNotEqualTo("0\n");
            assertThat(box.run("kill", member).exitCode()).isZero();
            assertThat(box.run("pool", "drain").exitCode()).isZero();
        }
    }

    private static String root(IncusClient incus, String container, String script) {
        Model.ExecResult r = incus.execCapture(container, ExecRequest.of("sh", "-c", script));
        assertThat(r.err()).isEmpty();
        return r.out();
    }
}
