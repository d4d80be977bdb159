package coi;

import java.io.IOException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Gives back the pages of read-only file mappings (libjvm's code, the read-only part of the AOT
 * cache) that start-up touched and an idle process no longer uses. A long-lived background
 * process keeps them resident otherwise: about 30 MiB of its RSS after start-up is such pages.
 * Only mappings that are not writable and hold no private (copied-on-write) page are dropped:
 * their pages come back from the file, unchanged, if they are touched again.
 */
public final class ResidentSet {
    private static final int MADV_DONTNEED = 4;

    private ResidentSet() {}

    /** One mapping of /proc/self/smaps. */
    record Mapping(long start, long end, String perms, String path, long anonymousKb) {
        /** Safe to drop: backed by a file, never writable, every resident page still the file's. */
        boolean droppable() {
            return path.startsWith("/") && perms.indexOf('w') < 0 && anonymousKb == 0;
        }
    }

    /**
     * In a daemon thread: once after {@code first}, when start-up is over, then every {@code every}
     * for the pages that rarer paths (a new container to watch, a reconnect) touched since.
     */
    public static void trimEvery(java.time.Duration first, java.time.Duration every) {
        Thread t = new Thread(null, () -> {
            try {
                Thread.sleep(first);
                while (true) {
                    trim();
                    Thread.sleep(every);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "resident-set-trim", 64 * 1024);
        t.setDaemon(true);
        t.start();
    }

    /** Drops what it can; returns how many mappings it dropped (0 when it cannot). */
    public static int trim() {
        try {
            MethodHandle madvise = Linker.nativeLinker().downcallHandle(
                    Linker.nativeLinker().defaultLookup().find("madvise").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
            int dropped = 0;
            for (Mapping m : parse(Files.readAllLines(Path.of("/proc/self/smaps")))) {
                if (!m.droppable()) continue;
                int rc = (int) madvise.invokeExact(MemorySegment.ofAddress(m.start()), m.end() - m.start(), MADV_DONTNEED);
                if (rc == 0) dropped++;
            }
            return dropped;
        } catch (Throwable e) {
            // a smaller resident set is a saving, not a duty: without it the process runs the same
            return 0;
        }
    }

    static List<Mapping> parse(List<String> smaps) {
        List<Mapping> mappings = new ArrayList<>();
        String[] head = null;
        for (String line : smaps) {
            if (!line.isEmpty() && Character.digit(line.charAt(0), 16) >= 0 && line.indexOf('-') > 0 && line.indexOf(' ') > line.indexOf('-')) {
                head = line.split("\\s+", 6);
            } else if (head != null && line.startsWith("Anonymous:")) {
                String[] range = head[0].split("-");
                mappings.add(new Mapping(Long.parseUnsignedLong(range[0], 16), Long.parseUnsignedLong(range[1], 16), head[1],
                        head.length > 5 ? head[5].trim() : "", Long.parseLong(line.substring(10).trim().split("\\s+")[0])));
                head = null;
            }
        }
        return mappings;
    }
}
