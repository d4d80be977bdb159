package coi.tool;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The test suite's stand-in agent: a bash script (resource {@value #SCRIPT}) installed as
 * {@code fake-ai} in the test image. It echoes input and keeps its history in its state dir, so
 * sessions, seeding and resume can be exercised end to end without a real AI tool.
 */
public record FakeAi() implements Tool {
    public static final String SCRIPT = "/coi/tool/fake-ai";

    /** The script's bytes, for installing it into an image. */
    public static byte[] script() throws IOException {
        try (InputStream in = FakeAi.class.getResourceAsStream(SCRIPT)) {
            if (in == null) {
                throw new IOException("resource " + SCRIPT + " is missing from the coi build");
            }
            return in.readAllBytes();
        }
    }

    @Override
    public String name() {
        return "fake";
    }

    @Override
    public String defaultBinary() {
        return "fake-ai";
    }

    @Override
    public List<String> command(Launch launch) {
        List<String> argv = new ArrayList<>(List.of(launch.binaryOr(defaultBinary())));
        switch (launch.resume()) {
            case Resume.None _ -> {}
            case Resume.Latest _ -> argv.add("--resume");
            case Resume.Id(String id) -> argv.addAll(List.of("--resume", id));
        }
        if (launch.bypass()) {
            argv.add("--bypass-permissions");
        }
        return List.copyOf(argv);
    }

    @Override
    public String installHint() {
        return "the test suite's image installs it (TestImages)";
    }

    @Override
    public String stateDir() {
        return ".fake-ai";
    }

    @Override
    public Map<String, String> environment() {
        return Map.of("FAKE_AI_STATE", containerStateDir());
    }

    @Override
    public void seed(Path hostHome, Path stateDir) throws IOException {
        StateFiles.copyIfPresent(hostHome.resolve(".fake-ai/credentials"), stateDir.resolve("credentials"));
    }
}
