package coi.image;

import static org.assertj.core.api.Assertions.assertThat;

import coi.incus.IncusClient;
import coi.incus.InstanceSpec;
import coi.incus.Model;
import coi.incus.Retries;
import coi.testing.CoiProcess;
import coi.testing.CoiProcess.Result;
import coi.testing.TestIncus;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A full `coi build` from the offline (debootstrap) base, then what an agent needs, checked in a
 * container from the result. The built image is this test's cache: it is kept as
 * `coitest-coi-<recipe>` and rebuilt only when the recipe changes (older ones are removed).
 */
@Tag("incus")
class CoiImageIT {

    @Test
    void offlineBuildGivesAnImageWithEverythingAnAgentNeeds() throws Exception {
        String alias = "coitest-coi-" + CoiImage.recipe();
        try (IncusClient incus = TestIncus.client()) {
            for (Model.ImageAlias a : incus.imageAliases()) {
                if (a.name().startsWith("coitest-coi-") && !a.name().startsWith(alias)) new Images(incus).delete(a.name());
            }
            if (!incus.aliasExists(alias)) {
                Result build = new CoiProcess().run("build", "--offline", "--alias", alias);
                assertThat(build.exitCode()).as(build.toString()).isZero();
                assertThat(build.out()).contains("installing", "published " + alias);
            }
            Result kept = new CoiProcess().run("build", "--offline", "--alias", alias);
            assertThat(kept.out()).as("without --force an existing image is kept").contains("exists: kept");
            assertThat(incus.imageByAlias(alias).description()).contains("recipe " + CoiImage.recipe());

            String name = TestIncus.name("coi-image");
            incus.createInstance(InstanceSpec.of(name, alias).withConfig(Map.of("security.nesting", "true")).withStart(true));
            try {
                String verify = run("bash", CoiProcess.home().resolve("scripts/image-verify").toString(), name);
                assertThat(verify).contains("ok    boot", "ok    claude", "ok    opencode", "ok    codex", "ok    node", "ok    gh",
                        "ok    tmux", "ok    sudo", "ok    docker", "ok    poweroff").contains(" passed, 0 failed");
                // Incus may still be settling the stop the script saw: wait for it to report the end state
                String status = incus.instance(name).status();
                for (int i = 0; i < 60 && !status.equals("Stopped"); i++) {
                    Thread.sleep(500);
                    status = incus.instance(name).status();
                }
                assertThat(status).as("sudo poweroff as code stopped it").isEqualTo("Stopped");
            } finally {
                Retries.delete(incus, name);
            }
        }
    }

    private static String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(Duration.ofMinutes(10).toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        return out;
    }
}
