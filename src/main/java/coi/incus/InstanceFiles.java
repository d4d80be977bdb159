package coi.incus;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Files inside one instance: single files and whole trees, with modes and ownership. */
public final class InstanceFiles {
    private final DaemonConnection incus;
    private final String instance;

    InstanceFiles(DaemonConnection incus, String instance) {
        this.incus = incus;
        this.instance = instance;
    }

    public void write(String path, byte[] content, int uid, int gid, int mode) {
        upload(path, "file", Http.Body.bytes(content, "application/octet-stream"), uid, gid, mode);
    }

    /**
     * Pushes one local file; mode -1 keeps its permission bits. It is read as {@link #pushTree} reads
     * (the agent may write where it is): a link at its name is refused, not followed, a FIFO is not
     * waited for, and exactly the size it had when opened is sent.
     */
    public void push(Path local, String path, int uid, int gid, int mode) {
        if (local.getFileName() == null) throw new IncusException.HostFile("cannot push " + local + ": it is no file");
        try (HostTree parent = HostTree.open(parentOf(local)); HostTree.Node node = parent.at(local.getFileName().toString())) {
            // instanceof, not a pattern switch: the JVM spins a class for each such switch at its first run (see GitGuard)
            if (node instanceof HostTree.Plain file) upload(path, "file", body(file), uid, gid, mode >= 0 ? mode : file.mode());
            else if (node instanceof HostTree.Link) {
                throw new IncusException.HostFile(local + " is a symbolic link: coi does not push through a link"
                        + " at the path it is given (the agent may have put it there); name its target");
            } else if (node == null) throw new IncusException.HostFile(local + " does not exist");
            else throw new IncusException.HostFile(local + " is not a plain file: coi pushes files, folders and links only");
        } catch (IOException e) {
            throw new IncusException.HostFile("cannot read " + local + ": " + e.getMessage(), e);
        }
    }

    /** The folder a local path is in, as given: relative stays relative (see {@link HostTree#open}). */
    private static Path parentOf(Path local) {
        return local.getParent() != null ? local.getParent() : Path.of("");
    }

    /** A plain file's content as a request body: exactly the size it had when opened, from its start at each sending. */
    private static Http.Body body(HostTree.Plain file) {
        return new Http.Body() {
            public long length() { return file.size(); }
            public String contentType() { return "application/octet-stream"; }
            public void writeTo(OutputStream out) throws IOException {
                file.copyTo(out);
            }
        };
    }

    public void mkdir(String path, int uid, int gid, int mode) {
        upload(path, "directory", null, uid, gid, mode);
    }

    public void symlink(String path, String target, int uid, int gid) {
        upload(path, "symlink", Http.Body.bytes(target.getBytes(StandardCharsets.UTF_8), "application/octet-stream"), uid, gid, 0777);
    }

    /**
     * Pushes a local directory tree under {@code path} (created if missing), keeping each entry's
     * mode; uid/gid -1 makes everything owned by root. Returns the number of entries pushed. The
     * agent may write in the tree (its workspace): each entry is opened relative to its folder and
     * never through a link, see {@link HostTree}.
     */
    public int pushTree(Path localDir, String path, int uid, int gid) {
        int owner = Math.max(uid, 0), group = Math.max(gid, 0);
        try (HostTree top = HostTree.open(localDir)) {
            return pushInto(top, top.permissions(), localDir, path, owner, group, 0);
        } catch (IOException e) {
            throw new IncusException.HostFile("cannot read " + localDir + ": " + e.getMessage(), e);
        }
    }

    /** How deep a pushed or pulled tree goes: the agent can nest folders without end, each holds a descriptor here. */
    static final int MAX_DEPTH = 1000;

    /** {@code folder} (its permission bits {@code mode}) into {@code path}, made when missing, then what it holds. */
    private int pushInto(HostTree folder, int mode, Path local, String path, int owner, int group, int depth) throws IOException {
        if (depth > MAX_DEPTH) throw new IOException(local + " is nested deeper than " + MAX_DEPTH + " folders: coi pushes no deeper");
        mkdirIfMissing(path, owner, group, mode);
        int n = 1;
        for (String name : folder.names()) {
            String target = path.endsWith("/") ? path + name : path + "/" + name;
            try (HostTree.Node node = folder.at(name)) {
                // gone since it was listed, or a name that did not come back as it was listed (not UTF-8 in this locale)
                if (node == null) throw new IOException("cannot open " + local.resolve(name) + " as it was listed: not pushed");
                if (node instanceof HostTree.Folder sub) n += pushInto(sub.tree(), sub.mode(), local.resolve(name), target, owner, group, depth + 1);
                else if (node instanceof HostTree.Link link) {
                    symlink(target, link.target(), owner, group);
                    n++;
                } else if (node instanceof HostTree.Plain file) {
                    upload(target, "file", body(file), owner, group, file.mode());
                    n++;
                } else {
                    throw new IOException(local.resolve(name) + " is a " + ((HostTree.Other) node).kind() + ": coi pushes files, folders and links only");
                }
            }
        }
        return n;
    }

    private void mkdirIfMissing(String path, int uid, int gid, int mode) {
        Model.FileInfo info = stat(path);
        if (info == null) mkdir(path, uid, gid, mode);
        else if (!info.directory()) throw new IncusException.AlreadyExists(path + " exists in " + instance + " and is not a directory");
    }

    /** Type, mode and owner of a path, or null when it does not exist. */
    public Model.FileInfo stat(String path) {
        try {
            return incus.exchange("HEAD", path(path), Map.of(), null, InstanceFiles::info);
        } catch (IncusException.NotFound e) {
            return null;
        }
    }

    /** Streams a file's content to {@code sink}; returns its metadata. */
    public Model.FileInfo pull(String path, OutputStream sink) {
        return incus.exchange("GET", path(path), Map.of(), null, r -> {
            if (r.status() >= 400) throw DaemonConnection.errorFrom(r.status(), r.readAll());
            Model.FileInfo info = info(r);
            if (info.directory()) throw new IncusException(400, path + " in " + instance + " is a directory");
            r.body().transferTo(sink);
            return info;
        });
    }

    /** The longest link target Linux has (PATH_MAX). */
    static final int MAX_LINK = 4096;

    /** Bytes a pull may still write; each file's stream takes from it. */
    private static final class Budget {
        private final long max;
        private long left;

        Budget(long max) {
            this.max = max;
            this.left = max;
        }

        OutputStream guard(OutputStream out, String path, String instance) {
            if (max == Long.MAX_VALUE) return out;
            return new java.io.FilterOutputStream(out) {
                @Override
                public void write(int b) throws IOException {
                    write(new byte[] {(byte) b}, 0, 1);
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    if (len > left) {
                        left = 0;
                        // unchecked: the daemon's connection passes it on as it is (and closes, not drains, the answer)
                        throw new IncusException.HostFile("the pull would write more than " + max + " bytes (--max-size) at " + path
                                + " in " + instance + "; that file was not kept: give a larger --max-size (or none) to pull it");
                    }
                    left -= len;
                    out.write(b, off, len);
                }
            };
        }
    }

    /**
     * The target of the link at {@code path}. The container's content is the agent's: a link
     * swapped for a huge file after its stat must not fill coi's memory, so at most
     * {@link #MAX_LINK} bytes of a symlink's answer are read.
     */
    String linkTarget(String path) {
        return incus.exchange("GET", path(path), Map.of(), null, r -> {
            Model.FileInfo info = info(r);
            if (!info.type().equals("symlink")) throw new IncusException(400, path + " in " + instance + " is not a symbolic link any more");
            // not closed here: closing drains the rest, an exception closes the connection instead
            byte[] target = r.body().readNBytes(MAX_LINK + 1);
            if (target.length > MAX_LINK) throw new IncusException(400, "the link " + path + " in " + instance + " has a target longer than any path");
            return new String(target, StandardCharsets.UTF_8);
        });
    }

    public byte[] read(String path) {
        var out = new ByteArrayOutputStream();
        pull(path, out);
        return out.toByteArray();
    }

    public List<String> list(String dir) {
        return incus.exchange("GET", path(dir), Map.of(), null, r -> {
            byte[] raw = r.readAll();
            if (r.status() >= 400) throw DaemonConnection.errorFrom(r.status(), raw);
            if (!"directory".equals(r.header("x-incus-type"))) throw new IncusException(400, dir + " in " + instance + " is not a directory");
            List<String> names = new ArrayList<>();
            for (JsonNode n : Json.parse(raw).path("metadata")) names.add(n.asText());
            return names;
        });
    }

    /**
     * Pulls {@code path} (file or directory) to {@code local}, keeping modes. Returns the number of
     * entries written. The agent may write where it goes (its workspace): see {@link HostTree}.
     */
    public int pullTree(String path, Path local) {
        return pullTree(path, local, Long.MAX_VALUE);
    }

    /**
     * As {@link #pullTree(String, Path)}, writing at most {@code maxBytes} of content in all: a file in the
     * container may be sparse and huge, a folder may hold millions (the agent's to make), and a pull writes
     * every byte on the host. The file that would pass the limit is not kept (those before it are); a
     * {@link IncusException.HostFile} says where it stopped.
     */
    public int pullTree(String path, Path local, long maxBytes) {
        Budget budget = new Budget(maxBytes);
        Model.FileInfo info = stat(path);
        if (info == null) throw new IncusException.NotFound(path + " not found in " + instance);
        if (local.getFileName() == null) throw new IncusException.HostFile("cannot pull to " + local + ": name a file or folder in a folder");
        try (HostTree parent = HostTree.open(parentOf(local))) {
            return pullInto(path, info, parent, local.getFileName().toString(), local, 0, budget);
        } catch (IOException e) {
            throw new IncusException.HostFile("cannot write " + local + ": " + e.getMessage(), e);
        }
    }

    private int pullInto(String path, Model.FileInfo info, HostTree dir, String name, Path local, int depth, Budget budget) throws IOException {
        switch (info.type()) {
            case "directory" -> {
                if (depth > MAX_DEPTH) throw new IOException(path + " is nested deeper than " + MAX_DEPTH + " folders: coi pulls no deeper");
                // a link there (the agent's, should the pull go into its workspace) would take the tree elsewhere
                try (HostTree folder = dir.folder(name, local + " is a symbolic link: coi does not pull a folder"
                        + " into a link; remove it, or pull somewhere else")) {
                    int n = 1;
                    for (String child : list(path)) {
                        String childPath = path.endsWith("/") ? path + child : path + "/" + child;
                        Model.FileInfo childInfo = stat(childPath);
                        // gone in the container since its listing
                        if (childInfo != null) n += pullInto(childPath, childInfo, folder, child, local.resolve(child), depth + 1, budget);
                    }
                    folder.mode(info.mode());
                    return n;
                }
            }
            case "symlink" -> {
                String target = linkTarget(path);
                // incusd answers with the link resolved to an absolute path; a link into its own
                // folder is written back relative so the pulled tree stays self-contained
                String parent = path.substring(0, path.lastIndexOf('/') + 1);
                if (target.startsWith(parent) && target.length() > parent.length()) target = target.substring(parent.length());
                dir.link(name, target);
                return 1;
            }
            default -> {
                dir.file(name, info.mode(), out -> pull(path, budget.guard(out, path, instance)));
                return 1;
            }
        }
    }

    public void delete(String path) {
        incus.call("DELETE", path(path), Map.of(), null);
    }

    private void upload(String path, String type, Http.Body body, int uid, int gid, int mode) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("X-Incus-type", type);
        headers.put("X-Incus-write", "overwrite");
        if (uid >= 0) headers.put("X-Incus-uid", Integer.toString(uid));
        if (gid >= 0) headers.put("X-Incus-gid", Integer.toString(gid));
        if (mode >= 0) headers.put("X-Incus-mode", String.format("%04o", mode));
        incus.call("POST", path(path), headers, body);
    }

    private String path(String path) {
        return incus.scoped("/1.0/instances/" + DaemonConnection.enc(instance) + "/files?path=" + DaemonConnection.enc(path));
    }

    private static Model.FileInfo info(Http.Response r) throws IOException {
        if (r.status() >= 400) throw DaemonConnection.errorFrom(r.status(), r.readAll());
        return new Model.FileInfo(
                r.header("x-incus-type") == null ? "file" : r.header("x-incus-type"),
                Integer.parseInt(value(r, "x-incus-mode", "644"), 8),
                Integer.parseInt(value(r, "x-incus-uid", "0")),
                Integer.parseInt(value(r, "x-incus-gid", "0")));
    }

    private static String value(Http.Response r, String header, String fallback) {
        String v = r.header(header);
        return v == null || v.isEmpty() ? fallback : v;
    }
}
