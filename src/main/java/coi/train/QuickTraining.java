package coi.train;

import coi.cli.Context;
import coi.cli.QuickList;
import coi.cli.QuickQueries;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;

/**
 * Build tooling, not a command: the training of the launcher's quick cache (`coi-quick.aot`, see
 * bin/coi), run once by the build through the launcher with COI_AOT_TRAIN. It asks exactly what
 * the quick paths answer, {@link QuickQueries} (`container exists|running`, of a running container
 * and a missing one) and {@link QuickList} (`list` with and without containers, `--all` with a
 * saved session, text and JSON, and a daemon that is not there), of the stand-in for Incus that
 * bin/coi started in another JVM ({@link QuickStandIn}, never the real daemon) in the folder it
 * is given. It does nothing else: every class it loads is loaded at each start of a quick path.
 */
public final class QuickTraining {
    private QuickTraining() {}

    public static void main(String[] args) {
        String dir = args[0];
        StringWriter sink = new StringWriter();
        Map<String, String> full = Map.of("INCUS_CONF", dir + "/conf-full", "HOME", dir, "PWD", dir);
        Map<String, String> empty = Map.of("INCUS_CONF", dir + "/conf-empty", "HOME", dir, "PWD", dir);
        // coi.Main and what it asks first: a class the cache lacks is read from the jar, which opens the jar
        // (its central directory) and verifies the class: 7-10 ms of each `coi list` (trace marks, 2026-12-08)
        coi.QuickAnswers.answer(new String[] {"list"}, System.out);
        QuickQueries.answer(new String[] {"list"});
        loadMain();
        // as QuickList.answer(String[]) and QuickQueries.answer(String[]) begin, so that its lambdas are in the cache
        coi.incus.Warmup.startForQueries();
        for (String name : new String[] {QuickStandIn.PRESENT, "x"}) {
            QuickQueries.answer(new Context(full), false, name, new PrintWriter(sink));
            QuickQueries.answer(new Context(full), true, name, new PrintWriter(sink));
        }
        for (Map<String, String> env : List.of(empty, full)) {
            for (String[] command : new String[][] {{"list"}, {"list", "--format", "json"}, {"list", "--all"}, {"list", "--all", "--format=json"}}) {
                QuickList.answer(new Context(env), QuickList.question(command), new PrintWriter(sink), new PrintWriter(sink));
            }
        }
        Map<String, String> absent = Map.of("COI_INCUS_SOCKET", dir + "/absent.socket", "HOME", dir, "PWD", dir);
        QuickList.answer(new Context(absent), QuickList.question(new String[] {"list"}), new PrintWriter(sink), new PrintWriter(sink));
        // a stand-in that did not answer would leave a cache of the error paths alone: the build fails instead
        String answers = sink.toString();
        if (!answers.contains("coi-0a1b2c3d-1") || !answers.contains("coi-handmade")) {
            throw new IllegalStateException("the training's stand-in for Incus did not answer: " + answers);
        }
    }

    private static void loadMain() {
        try {
            Class.forName("coi.Main");
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
    }
}
