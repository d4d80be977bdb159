package coi.session;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A file of the commit a repository's HEAD names, read by git itself as the user's git would read it, but without the
 * repository's config: git runs on a folder of coi's own (made for the read, removed after) holding a copy of the
 * repository's HEAD, links to its refs, packed-refs and objects, and an empty config. git resolves HEAD (symbolic refs,
 * packed refs, replace refs) exactly as it does there; nothing of the agent's config, hooks or index is read, and git
 * reads refs and objects of any content as safely as a fetch does. What it reads goes only to coi.
 */
final class GitObjects {
    private GitObjects() {}

    /**
     * git with {@code args}, as coi runs it on what the agent wrote: no GIT_* variable of coi's environment, neither the
     * system's nor the user's config, in /, its errors dropped.
     */
    static ProcessBuilder git(String... args) {
        List<String> argv = new java.util.ArrayList<>(List.of("git"));
        argv.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(argv);
        pb.environment().keySet().removeIf(k -> k.startsWith("GIT_"));
        pb.environment().put("GIT_CONFIG_NOSYSTEM", "1");
        pb.environment().put("GIT_CONFIG_GLOBAL", "/dev/null");
        pb.directory(new java.io.File("/"));
        pb.redirectError(ProcessBuilder.Redirect.DISCARD);
        return pb;
    }

    /** A file as read: none (HEAD names no commit, or it holds no such file), larger than asked for, not read, or its bytes. */
    sealed interface Blob {
        record None() implements Blob {}

        record TooLarge() implements Blob {}

        /** Not read, and why: git failed or was stopped (an object file the agent made a FIFO holds it until then), or coi does not ask it. */
        record Failed(String why) implements Blob {}

        record Content(byte[] bytes) implements Blob {}
    }

    /**
     * {@code path} of HEAD's commit in git folder {@code gitDir}, up to {@code limit} bytes, read within {@code timeout}.
     * None only when HEAD names a branch not made yet, or its commit's tree holds no such path; anything git could not
     * find on the way (an object of another format, one a promisor remote would fetch) is not read.
     */
    static Blob headFile(Path gitDir, String path, int limit, Duration timeout) throws IOException {
        // a git folder with a common folder elsewhere (a linked worktree's: its own refs git reads here, the rest there, by
        // a path git follows through links): no folder of links reads both as git does
        if (Files.exists(gitDir.resolve("commondir"), java.nio.file.LinkOption.NOFOLLOW_LINKS)) return new Blob.Failed("a git folder with a commondir");
        // HEAD as a copy (git takes a HEAD that is a link only when it leads into refs/); a link there is not read
        if (!(coi.PlainFile.read(gitDir.resolve("HEAD"), 4096) instanceof coi.PlainFile.Content(byte[] head))) return new Blob.Failed("HEAD is no plain file");
        String text = new String(head, StandardCharsets.UTF_8);
        if (!text.matches("ref: refs/heads/[^\\s]+\n?|[0-9a-f]{40}\n?|[0-9a-f]{64}\n?")) {
            return new Blob.Failed("HEAD names neither a branch nor a commit plainly");
        }
        if (text.startsWith("ref: ") && unborn(gitDir, text.substring(5).strip())) return new Blob.None();
        Path scratch = Files.createTempDirectory("coi-git-");
        try {
            Files.write(scratch.resolve("HEAD"), head);
            for (String name : List.of("refs", "packed-refs", "objects")) Files.createSymbolicLink(scratch.resolve(name), gitDir.resolve(name));
            Files.writeString(scratch.resolve("config"), "");
            return batch(scratch, List.of("HEAD", "HEAD^{tree}", "HEAD:" + path), limit, timeout);
        } finally {
            for (String name : List.of("HEAD", "refs", "packed-refs", "objects", "config")) Files.deleteIfExists(scratch.resolve(name));
            Files.deleteIfExists(scratch);
        }
    }

    /**
     * Whether branch {@code ref} is not made yet: no loose ref of that name (whatever is there) and no mention of it in
     * packed-refs (git then reads no .gitmodules of HEAD's). Anything else is asked of git.
     */
    private static boolean unborn(Path gitDir, String ref) {
        if (Files.exists(gitDir.resolve(ref), java.nio.file.LinkOption.NOFOLLOW_LINKS)) return false;
        Path packed = gitDir.resolve("packed-refs");
        if (!Files.exists(packed, java.nio.file.LinkOption.NOFOLLOW_LINKS)) return true;
        return coi.PlainFile.read(packed, 64 << 20) instanceof coi.PlainFile.Content(byte[] bytes)
                && !new String(bytes, StandardCharsets.UTF_8).contains(ref);
    }

    /**
     * `git cat-file --batch` of {@code names} in git folder {@code dir}: the last one's content, when each one before it is
     * there; none when only the last is missing; not read when one before it is.
     */
    private static Blob batch(Path dir, List<String> names, int limit, Duration timeout) throws IOException {
        ProcessBuilder pb = git("cat-file", "--batch");
        pb.environment().put("GIT_DIR", dir.toString());
        Process p = pb.start();
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
            // git stopped reading: its answer (or none) says why
        }
        try (InputStream out = new java.io.BufferedInputStream(p.getInputStream())) {
            for (int i = 0; i < names.size(); i++) {
                String header = line(out);
                if (header == null) return new Blob.Failed("git gave no answer in time");
                if (header.equals(names.get(i) + " missing")) {
                    return i == names.size() - 1 ? new Blob.None() : new Blob.Failed("git found no " + names.get(i));
                }
                String[] f = header.split(" ");
                if (f.length != 3 || !f[0].matches("[0-9a-f]{40}|[0-9a-f]{64}")) return new Blob.Failed("git answered " + header);
                long size = Long.parseLong(f[2]);
                if (i < names.size() - 1) {
                    out.skipNBytes(size + 1);
                    continue;
                }
                if (size > limit) return new Blob.TooLarge();
                return f[1].equals("blob") ? new Blob.Content(out.readNBytes((int) size)) : new Blob.None();
            }
            return new Blob.Failed("git gave no answer");
        } catch (NumberFormatException | java.io.EOFException e) {
            return new Blob.Failed("git's answer ended early");
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
}
