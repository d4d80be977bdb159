package coi.testing;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;

/** What code printed on the process's stderr (warnings coi gives outside a command's own writers). */
public final class Stderr {
    private Stderr() {}

    public interface Action {
        void run() throws Exception;
    }

    /** Runs {@code action} with stderr captured; returns what it printed there. */
    public static String of(Action action) throws Exception {
        PrintStream before = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true));
        try {
            action.run();
        } finally {
            System.setErr(before);
        }
        return err.toString();
    }
}
