package coi.testing;

import coi.tool.FakeAi;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The image the end-to-end tests run sessions in: the test base plus the fake AI tool, made
 * with `coi build custom` once per test run, so the suite exercises coi's own build path.
 */
public final class TestImages {
    /** One per COITEST_PREFIX, so parallel test runs never rebuild the image under each other. */
    public static final String FAKE_TOOL_IMAGE = Sandbox.PREFIX + "fake";
    private static boolean built;

    private TestImages() {}

    /**
     * The full `coi` image with the real agents' CLIs, as CoiImageIT builds and caches it:
     * `coitest-coi-<recipe>`, built here (offline base, about 3 minutes) only when it is missing.
     */
    public static synchronized String fullCoi() {
        String alias = "coitest-coi-" + coi.image.CoiImage.recipe();
        try (var incus = TestIncus.client()) {
            if (incus.aliasExists(alias)) return alias;
        }
        CoiProcess.Result r = new CoiProcess().run("build", "--offline", "--alias", alias);
        if (r.exitCode() != 0) throw new AssertionError("building the coi image failed: " + r);
        return alias;
    }

    public static synchronized String fakeTool() {
        if (built) return FAKE_TOOL_IMAGE;
        try {
            Path script = Files.createTempFile("coitest-fake-ai", ".sh");
            String fake = new String(FakeAi.script(), StandardCharsets.UTF_8);
            Files.writeString(script, "set -e\necho '==> installing fake-ai'\ncat > /usr/local/bin/fake-ai <<'COI_FAKE_AI_EOF'\n"
                    + fake + (fake.endsWith("\n") ? "" : "\n") + "COI_FAKE_AI_EOF\nchmod 755 /usr/local/bin/fake-ai\n");
            CoiProcess.Result r = new CoiProcess().run("build", "custom", FAKE_TOOL_IMAGE, "--base", TestIncus.baseImage(),
                    "--script", script.toString(), "--force");
            Files.delete(script);
            if (r.exitCode() != 0) throw new AssertionError("building the fake-tool image failed: " + r);
            // every run builds a new version; keep only this one
            CoiProcess.Result cleanup = new CoiProcess().run("image", "cleanup", FAKE_TOOL_IMAGE, "--keep", "1");
            if (cleanup.exitCode() != 0) throw new AssertionError("image cleanup failed: " + cleanup);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        built = true;
        return FAKE_TOOL_IMAGE;
    }
}
