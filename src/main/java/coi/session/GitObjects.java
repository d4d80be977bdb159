package coi.session;

import coi.PlainFile;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * Objects of a repository the agent could write, read by git without anything else of that repository: git runs with a
 * repository of coi's own as {@code GIT_DIR} (empty, made once in the temp folder: no config, hooks or refs of the agent's
 * are read) and the repository's objects folder as {@code GIT_OBJECT_DIRECTORY}. git reads objects of any content as
 * safely as a fetch does; what it reads goes only to coi. Refs are read here, as plain files, never through a link at
 * their end.
 */
final class GitObjects {
    private static final Pattern OBJECT_ID = Pattern.compile("[0-9a-f]{40}");
    private static final int REF_LIMIT = 4096, PACKED_REFS_LIMIT = 16 << 20;
    private static Path scratch;

    private GitObjects() {}

    /** A blob as read: none (no such object or path, or git could not read it), larger than asked for, or its bytes. */
    sealed interface Blob {
        record None() implements Blob {}

        record TooLarge() implements Blob {}

        record Content(byte[] bytes) implements Blob {}
    }

    /**
     * The commit HEAD of git folder {@code gitDir} names (a linked worktree's HEAD is its own, its refs in {@code common}),
     * symbolic refs followed a few times, loose refs before packed ones as git reads them; null when it names none.
     */
    static String head(Path gitDir, Path common) {
        String ref = firstLine(gitDir.resolve("HEAD"));
        for (int i = 0; ref != null && i < 5; i++) {
            if (OBJECT_ID.matcher(ref).matches()) return ref;
            if (!ref.startsWith("ref:")) return null;
            String name = ref.substring(4).strip();
            if (!name.startsWith("refs/") || name.contains("..") || name.contains("//") || name.endsWith("/")) return null;
            String next = firstLine(gitDir.resolve(name));
            if (next == null && !common.equals(gitDir)) next = firstLine(common.resolve(name));
            ref = next != null ? next : packed(common, name);
        }
        return null;
    }

    /** The first line of a plain file (a ref), without following a link at its end; null when there is none. */
    private static String firstLine(Path file) {
        if (!(PlainFile.read(file, REF_LIMIT) instanceof PlainFile.Content(byte[] bytes))) return null;
        String text = new String(bytes, StandardCharsets.UTF_8);
        int end = text.indexOf('\n');
        return (end < 0 ? text : text.substring(0, end)).strip();
    }

    /** The object id of {@code name} in {@code common}'s packed-refs, or null. */
    private static String packed(Path common, String name) {
        if (!(PlainFile.read(common.resolve("packed-refs"), PACKED_REFS_LIMIT) instanceof PlainFile.Content(byte[] bytes))) return null;
        for (String line : new String(bytes, StandardCharsets.UTF_8).split("\n")) {
            int space = line.indexOf(' ');
            if (space == 40 && line.substring(space + 1).strip().equals(name) && OBJECT_ID.matcher(line.substring(0, 40)).matches()) {
                return line.substring(0, 40);
            }
        }
        return null;
    }

    /** The blob {@code spec} names (an object id, or {@code COMMIT:PATH}) among {@code objects}, up to {@code limit} bytes. */
    static Blob blob(Path objects, String spec, int limit) throws IOException {
        ProcessBuilder pb = new ProcessBuilder("git", "cat-file", "blob", spec);
        pb.environment().keySet().removeIf(k -> k.startsWith("GIT_"));
        pb.environment().put("GIT_DIR", scratch().toString());
        pb.environment().put("GIT_OBJECT_DIRECTORY", objects.toString());
        pb.environment().put("GIT_CONFIG_NOSYSTEM", "1");
        pb.environment().put("GIT_CONFIG_GLOBAL", "/dev/null");
        pb.environment().put("GIT_NO_REPLACE_OBJECTS", "1");
        pb.directory(new java.io.File("/"));
        pb.redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Process p = pb.start();
        try (InputStream out = p.getInputStream()) {
            byte[] bytes = out.readNBytes(limit + 1);
            if (bytes.length > limit) {
                p.destroyForcibly();
                return new Blob.TooLarge();
            }
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Blob.None();
            }
            return p.exitValue() == 0 ? new Blob.Content(bytes) : new Blob.None();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            return new Blob.None();
        }
    }

    /** coi's own empty repository: a HEAD, objects and refs, nothing else. */
    private static synchronized Path scratch() throws IOException {
        if (scratch != null && Files.isDirectory(scratch.resolve("objects"))) return scratch;
        Path dir = Files.createTempDirectory("coi-git-");
        Files.createDirectory(dir.resolve("objects"));
        Files.createDirectory(dir.resolve("refs"));
        Files.writeString(dir.resolve("HEAD"), "ref: refs/heads/none\n");
        for (Path p : java.util.List.of(dir, dir.resolve("objects"), dir.resolve("refs"), dir.resolve("HEAD"))) p.toFile().deleteOnExit();
        scratch = dir;
        return dir;
    }
}
