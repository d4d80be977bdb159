package coi.image;

import static org.assertj.core.api.Assertions.assertThat;

import coi.incus.IncusClient;
import coi.incus.Model;
import coi.testing.CoiProcess;
import coi.testing.CoiProcess.Result;
import coi.testing.TestIncus;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `coi build custom` and `coi image ...` against the real daemon. */
@Tag("incus")
class ImagesIT {
    static Result coi(String... args) {
        return new CoiProcess().run(args);
    }

    @Test
    void cleanupKeepsTheNewestVersionsAndNeverThePlainAlias() {
        try (IncusClient incus = TestIncus.client()) {
            String prefix = TestIncus.name("versions");
            String fingerprint = incus.imageByAlias(TestIncus.baseImage()).fingerprint();
            String[] versions = {"20260101-000000", "20260301-120000", "20260201-000000", "20261231-235959"};
            incus.createAlias(prefix, fingerprint, "");
            for (String v : versions) incus.createAlias(prefix + "-" + v, fingerprint, "");
            try {
                assertThat(coi("image", "cleanup", prefix, "--keep", "0").exitCode()).isEqualTo(2);
                Result r = coi("image", "cleanup", prefix, "--keep", "2");
                assertThat(r.exitCode()).as(r.toString()).isZero();
                assertThat(r.out()).as("the original's wording, counting aliases that share one image")
                        .contains("Cleanup complete:", "Deleted 2 old version(s):", "  - " + prefix + "-20260101-000000",
                                "  - " + prefix + "-20260201-000000", "Kept 2 recent version(s):", "  - " + prefix + "-20261231-235959");
                assertThat(incus.imageAliases()).extracting(Model.ImageAlias::name)
                        .contains(prefix, prefix + "-20261231-235959", prefix + "-20260301-120000")
                        .doesNotContain(prefix + "-20260101-000000", prefix + "-20260201-000000");
                assertThat(incus.aliasExists(TestIncus.baseImage())).as("an image other aliases name is kept").isTrue();
            } finally {
                for (Model.ImageAlias a : incus.imageAliases()) if (a.name().startsWith(prefix)) incus.deleteAlias(a.name());
            }
        }
    }

    @Test
    void buildCustomPublishesOrExplainsTheFailure(@TempDir Path tmp) throws Exception {
        String name = TestIncus.name("custom");
        Path ok = tmp.resolve("ok.sh");
        Files.writeString(ok, "set -e\necho '==> writing a marker'\necho built-by-custom > /etc/coi-custom-marker\n");
        Path failing = tmp.resolve("fail.sh");
        Files.writeString(failing, "echo 'step one done'\necho 'something broke here' >&2\nexit 3\n");
        try (IncusClient incus = TestIncus.client()) {
            Result built = coi("build", "custom", name, "--base", TestIncus.baseImage(), "--script", ok.toString());
            assertThat(built.exitCode()).as(built.toString()).isZero();
            assertThat(built.out()).contains("writing a marker", "published " + name);
            assertThat(coi("image", "exists", name).exitCode()).isZero();
            Result list = coi("image", "list", "--prefix", name, "--format", "json");
            assertThat(list.out()).contains("\"alias\" : \"" + name + "\"").containsPattern(name + "-\\d{8}-\\d{6}");
            Result again = coi("build", "custom", name, "--base", TestIncus.baseImage(), "--script", ok.toString());
            assertThat(again.out()).contains("exists: kept");

            String c = TestIncus.name("custom-run");
            assertThat(coi("container", "launch", name, c).exitCode()).isZero();
            try {
                assertThat(coi("container", "exec", c, "--", "cat", "/etc/coi-custom-marker").out()).isEqualTo("built-by-custom\n");
            } finally {
                coi("container", "delete", c, "--force");
            }

            int before = incus.images().size();
            Result failed = coi("build", "custom", name + "-bad", "--base", TestIncus.baseImage(), "--script", failing.toString());
            assertThat(failed.exitCode()).isEqualTo(1);
            assertThat(failed.out()).contains("step one done", "something broke here");
            assertThat(failed.err()).contains("fail.sh failed with exit code 3", "full log:", "nothing was published");
            assertThat(incus.images()).hasSize(before);
            assertThat(incus.instances()).noneMatch(i -> i.name().startsWith("coi-build-"));

            Result noBase = coi("build", "custom", name + "-x", "--base", "coitest-no-such-base", "--script", ok.toString());
            assertThat(noBase.exitCode()).isEqualTo(1);
            assertThat(noBase.err()).contains("base image 'coitest-no-such-base' not found");
            Result noScript = coi("build", "custom", name + "-x", "--script", tmp.resolve("missing.sh").toString());
            assertThat(noScript.exitCode()).isEqualTo(2);
            assertThat(noScript.err()).contains("does not exist");
        } finally {
            coi("image", "cleanup", name, "--keep", "1");
            coi("image", "delete", name);
            for (Model.ImageAlias a : TestIncus.client().imageAliases()) {
                if (a.name().startsWith(name)) coi("image", "delete", a.name());
            }
        }
    }

    @Test
    void publishAContainerAndDeleteTheImage() {
        String c = TestIncus.name("publish");
        String alias = TestIncus.name("published");
        assertThat(coi("container", "launch", TestIncus.baseImage(), c).exitCode()).isZero();
        try {
            Result running = coi("image", "publish", c, alias);
            assertThat(running.exitCode()).isEqualTo(1);
            assertThat(running.err()).contains("is running: stop it first");
            assertThat(coi("container", "stop", c, "--force").exitCode()).isZero();
            Result pub = coi("image", "publish", c, alias, "--description", "coitest published");
            assertThat(pub.exitCode()).as(pub.toString()).isZero();
            assertThat(coi("image", "exists", alias).exitCode()).isZero();
            assertThat(coi("image", "delete", alias).exitCode()).isZero();
            assertThat(coi("image", "exists", alias).exitCode()).isEqualTo(1);
            Result missing = coi("image", "delete", alias);
            assertThat(missing.exitCode()).isEqualTo(1);
            assertThat(missing.err()).contains("not found");
        } finally {
            coi("container", "delete", c, "--force");
        }
    }
}
