package coi.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Host git for the tests of {@link GitGuard} and {@link GitIndex}: a HOME of its own, no system or global config. */
final class GitTesting {
    private GitTesting() {}

    /** Runs git in {@code dir}; fails the test when it fails. Returns its output. */
    static String git(Path home, Path dir, String... args) throws IOException, InterruptedException {
        Result r = run(home, dir, Map.of(), args);
        assertThat(r.exit()).as("git %s in %s: %s", String.join(" ", args), dir, r.output()).isZero();
        return r.output();
    }

    record Result(int exit, String output) {}

    /**
     * A command line run as root without any capability: folder and file permissions hold for it as for the user who
     * owns the files (the tests run as root, which may read any folder; coi and git run as a plain user).
     */
    static List<String> withoutPowers(List<String> argv) {
        List<String> all = new ArrayList<>(List.of("setpriv", "--inh-caps=-all", "--ambient-caps=-all", "--bounding-set=-all", "--"));
        all.addAll(argv);
        return all;
    }

    /** Runs git in {@code dir} with {@code env} added, whatever its exit. */
    static Result run(Path home, Path dir, Map<String, String> env, String... args) throws IOException, InterruptedException {
        return run(false, home, dir, env, args);
    }

    /** As {@link #run(Path, Path, Map, String...)}, {@link #withoutPowers} when {@code plain}. */
    static Result run(boolean plain, Path home, Path dir, Map<String, String> env, String... args) throws IOException, InterruptedException {
        List<String> argv = new ArrayList<>(List.of("git", "-c", "protocol.file.allow=always", "-c", "user.name=t", "-c", "user.email=t@t",
                "-c", "init.defaultBranch=main", "-c", "advice.addEmbeddedRepo=false"));
        argv.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(plain ? withoutPowers(argv) : argv).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> k.startsWith("GIT_"));
        pb.environment().put("HOME", home.toString());
        pb.environment().put("GIT_CONFIG_NOSYSTEM", "1");
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Result(p.waitFor(), out);
    }
}
