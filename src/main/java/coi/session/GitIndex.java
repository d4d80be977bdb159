package coi.session;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The gitlinks of a git index file (format versions 2 to 4): the paths of the nested repositories
 * (submodules) that git enters by itself, a plain `git status` included. Read as git reads it, entry
 * by entry; anything this does not read exactly (another signature or version, an entry running past
 * the end) gives null, and the caller then looks everywhere instead.
 */
final class GitIndex {
    private static final int SIGNATURE = 0x44495243; // "DIRC"
    private static final int SPLIT = 0x6c696e6b; // "link": a split index, whose other entries are in a shared index
    private static final int GITLINK = 0160000, FOLDER = 0040000, TYPE = 0170000;
    private static final int EXTENDED = 0x4000, STAGE = 0x3000;
    private static final byte[] GITMODULES = ".gitmodules".getBytes(StandardCharsets.US_ASCII);

    private GitIndex() {}

    /**
     * What an index names: its gitlinks, the shared index it extends (a split index) or null, the object id of its
     * {@code .gitmodules} (stage 0; hex) or null (git reads that one where the worktree has none), and whether it holds a
     * sparse folder (a sparse index: one entry for a whole folder, whose gitlinks git reads from the tree).
     */
    record Read(List<String> gitlinks, String sharedIndex, String gitmodules, boolean sparse) {}

    /** {@code data}: the index file; {@code hashBytes}: 20 (SHA-1) or 32 (SHA-256). Null when it is not an index read exactly. */
    static Read read(byte[] data, int hashBytes) {
        return read(ByteBuffer.wrap(data), hashBytes, Integer.MAX_VALUE);
    }

    /**
     * As {@link #read(byte[], int)}, from a buffer (a mapped index is not copied onto the heap); null
     * too when it names more than {@code maxGitlinks} gitlinks.
     */
    static Read read(ByteBuffer b, int hashBytes, int maxGitlinks) {
        int end = b.limit() - hashBytes;
        if (end < 12 || b.getInt(0) != SIGNATURE) return null;
        int version = b.getInt(4);
        if (version < 2 || version > 4) return null;
        long count = Integer.toUnsignedLong(b.getInt(8));
        int pos = 12;
        byte[] previous = new byte[0];
        List<String> links = new ArrayList<>();
        String gitmodules = null;
        boolean sparse = false;
        for (long i = 0; i < count; i++) {
            int start = pos, fixed = 40 + hashBytes + 2;
            if (pos + fixed > end) return null;
            int mode = b.getInt(pos + 24);
            int flags = Short.toUnsignedInt(b.getShort(pos + 40 + hashBytes));
            if ((flags & EXTENDED) != 0) {
                if (version < 3) return null;
                fixed += 2;
            }
            pos += fixed;
            byte[] path;
            if (version == 4) {
                // the path as the previous one's with its last N bytes replaced (N a varint, as git's decode_varint)
                if (pos >= end) return null;
                int c = b.get(pos++) & 0xff;
                long strip = c & 127;
                while ((c & 128) != 0) {
                    if (pos >= end || strip > Integer.MAX_VALUE >> 7) return null;
                    c = b.get(pos++) & 0xff;
                    strip = ((strip + 1) << 7) + (c & 127);
                }
                if (strip > previous.length) return null;
                int nul = nul(b, pos, end);
                if (nul < 0) return null;
                int kept = previous.length - (int) strip;
                path = Arrays.copyOf(previous, kept + nul - pos);
                b.get(pos, path, kept, nul - pos);
                pos = nul + 1;
            } else {
                int nul = nul(b, pos, end);
                if (nul < 0) return null;
                path = new byte[nul - pos];
                b.get(pos, path);
                // each entry padded with 1 to 8 NULs to a multiple of 8 bytes
                pos = start + ((nul - start + 8) & ~7);
                if (pos > end) return null;
            }
            previous = path;
            if ((flags & STAGE) == 0 && Arrays.equals(path, GITMODULES)) {
                byte[] id = new byte[hashBytes];
                b.get(start + 40, id);
                gitmodules = java.util.HexFormat.of().formatHex(id);
            }
            if ((mode & TYPE) == FOLDER) sparse = true;
            if ((mode & TYPE) == GITLINK) {
                if (links.size() >= maxGitlinks) return null;
                links.add(new String(path, StandardCharsets.UTF_8));
            }
        }
        String shared = null;
        while (pos + 8 <= end) {
            int signature = b.getInt(pos);
            long size = Integer.toUnsignedLong(b.getInt(pos + 4));
            if (pos + 8 + size > end) return null;
            if (signature == SPLIT) {
                if (size < hashBytes) return null;
                byte[] hash = new byte[hashBytes];
                b.get(pos + 8, hash);
                shared = java.util.HexFormat.of().formatHex(hash);
            }
            pos += 8 + (int) size;
        }
        return pos == end ? new Read(List.copyOf(links), shared, gitmodules, sparse) : null;
    }

    private static int nul(ByteBuffer b, int from, int end) {
        for (int i = from; i < end; i++) {
            if (b.get(i) == 0) return i;
        }
        return -1;
    }
}
