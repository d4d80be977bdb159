package coi.session;

import coi.PlainFile;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
    /** How long git may take to read (an object file the agent made a FIFO holds it until stopped); a test's shorter. */
    static java.time.Duration timeout = java.time.Duration.ofSeconds(10);
    private static Path scratch;
    /**
     * Blobs read, by objects folder and name: a content, or a path a commit does not hold, stays what it is (an object's
     * name is its content's digest); a name git could not resolve is asked again, as the object may come later.
     */
    private static final java.util.Map<String, Blob> READ = GitGuard.recent(256);

    private GitObjects() {}

    /**
     * A blob as read: none (no such object or path, or git could not read it; {@code settled} when the commit was read and
     * holds no such path), larger than asked for, or its bytes.
     */
    sealed interface Blob {
        record None(boolean settled) implements Blob {}

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

    /** The blob {@code id} (hex) among {@code objects}, up to {@code limit} bytes. */
    static Blob blob(Path objects, String id, int limit) throws IOException {
        return cached(objects, List.of(id), limit);
    }

    /** The file {@code path} of commit {@code commit} (hex) among {@code objects}, up to {@code limit} bytes. */
    static Blob file(Path objects, String commit, String path, int limit) throws IOException {
        // the commit first: a path it does not hold is settled, a commit not there yet is not
        return cached(objects, List.of(commit, commit + ":" + path), limit);
    }

    private static Blob cached(Path objects, List<String> names, int limit) throws IOException {
        String key = objects + "\0" + String.join("\0", names) + "\0" + limit;
        Blob known = READ.get(key);
        if (known != null) return known;
        Blob read = batch(objects, names, limit);
        if (!(read instanceof Blob.None none) || none.settled()) READ.put(key, read);
        return read;
    }

    /**
     * `git cat-file --batch` of {@code names}: the last one's content. None, settled, when every name before it was there
     * and it was not; none, not settled, when one before it was missing too (or git failed).
     */
    private static Blob batch(Path objects, List<String> names, int limit) throws IOException {
        ProcessBuilder pb = new ProcessBuilder("git", "cat-file", "--batch");
        pb.environment().keySet().removeIf(k -> k.startsWith("GIT_"));
        pb.environment().put("GIT_DIR", scratch().toString());
        pb.environment().put("GIT_OBJECT_DIRECTORY", objects.toString());
        pb.environment().put("GIT_CONFIG_NOSYSTEM", "1");
        pb.environment().put("GIT_CONFIG_GLOBAL", "/dev/null");
        pb.environment().put("GIT_NO_REPLACE_OBJECTS", "1");
        pb.directory(new java.io.File("/"));
        pb.redirectError(ProcessBuilder.Redirect.DISCARD);
        Process p = pb.start();
        // an object file the agent made a FIFO would hold git (and this look) for good
        Thread watchdog = Thread.startVirtualThread(() -> {
            try {
                if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) p.destroyForcibly();
            } catch (InterruptedException ended) {
                // read in time
            }
        });
        try (var in = p.getOutputStream()) {
            in.write((String.join("\n", names) + "\n").getBytes(StandardCharsets.UTF_8));
        } catch (IOException gone) {
            // git stopped reading: what it wrote says why
        }
        try (InputStream out = new java.io.BufferedInputStream(p.getInputStream())) {
            for (int i = 0; i < names.size(); i++) {
                String header = line(out);
                if (header == null) return new Blob.None(false);
                String[] f = header.split(" ");
                if (f.length != 3 || !OBJECT_ID.matcher(f[0]).matches()) return new Blob.None(i == names.size() - 1 && header.endsWith(" missing"));
                long size = Long.parseLong(f[2]);
                boolean last = i == names.size() - 1;
                if (last && size > limit) return new Blob.TooLarge();
                if (last) return f[1].equals("blob") ? new Blob.Content(out.readNBytes((int) size)) : new Blob.None(true);
                out.skipNBytes(size + 1);
            }
            return new Blob.None(false);
        } catch (NumberFormatException | java.io.EOFException e) {
            return new Blob.None(false);
        } finally {
            p.destroyForcibly();
            watchdog.interrupt();
        }
    }

    /** One line of git's answer, without its newline; null at its end or past 512 bytes. */
    private static String line(InputStream in) throws IOException {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c < 0 || bytes.size() > 512) return null;
            bytes.write(c);
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /** coi's own empty repository: a HEAD, objects and refs, nothing else. */
    private static synchronized Path scratch() throws IOException {
        if (scratch != null && Files.isDirectory(scratch.resolve("objects"))) return scratch;
        Path dir = Files.createTempDirectory("coi-git-");
        Files.createDirectory(dir.resolve("objects"));
        Files.createDirectory(dir.resolve("refs"));
        Files.writeString(dir.resolve("HEAD"), "ref: refs/heads/none\n");
        for (Path p : List.of(dir, dir.resolve("objects"), dir.resolve("refs"), dir.resolve("HEAD"))) p.toFile().deleteOnExit();
        scratch = dir;
        return dir;
    }
}
