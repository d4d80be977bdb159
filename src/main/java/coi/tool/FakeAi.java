package coi.tool;

import java.io.IOException;
import java.io.InputStream;

/**
 * The test suite's stand-in agent ({@link Tool#FAKE}): a bash script (resource {@value #SCRIPT}) installed as
 * {@code fake-ai} in the test image. It echoes input and keeps its history in its state dir, so
 * sessions, seeding and resume can be exercised end to end without a real AI tool.
 */
public final class FakeAi {
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

    private FakeAi() {}
}
