package coi.monitor;

import coi.incus.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code ~/.coi/audit/<container>.jsonl}: one JSON object per line. Each line goes to the file
 * in one O_APPEND write of the whole line, so a crash can lose a line but never leaves half of
 * one, and the supervisor and a coi command may append to the same file.
 */
public final class AuditLog {
    private final Path dir;

    public AuditLog(Path dir) {
        this.dir = dir;
    }

    /** The audit folder under a sessions root (~/.coi). */
    public static AuditLog under(Path sessionsRoot) {
        return new AuditLog(sessionsRoot.resolve("audit"));
    }

    public Path dir() {
        return dir;
    }

    public Path file(String container) {
        return dir.resolve(container + ".jsonl");
    }

    public void append(AuditEvent event) {
        byte[] json = AuditLine.of(event);
        ByteBuffer line = ByteBuffer.allocate(json.length + 1).put(json).put((byte) '\n').flip();
        try {
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            }
            try (FileChannel ch = FileChannel.open(file(event.container()), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND)) {
                while (line.hasRemaining()) ch.write(line);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the audit log " + file(event.container()) + ": " + e.getMessage(), e);
        }
    }

    /** The container's events, oldest first; a line that is not a whole event (none should be) is skipped. */
    public List<AuditEvent> read(String container) {
        List<AuditEvent> events = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(file(container), StandardCharsets.UTF_8)) parse(line).ifPresent(events::add);
        } catch (NoSuchFileException none) {
            return events;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the audit log " + file(container) + ": " + e.getMessage(), e);
        }
        return events;
    }

    public static Optional<AuditEvent> parse(String line) {
        try {
            return Optional.of(Json.MAPPER.readValue(line, AuditEvent.class));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Containers that have a log, by name. */
    public List<String> containers() {
        List<String> names = new ArrayList<>();
        if (!Files.isDirectory(dir)) return names;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.jsonl")) {
            for (Path f : files) names.add(f.getFileName().toString().replaceFirst("\\.jsonl$", ""));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
        }
        names.sort(null);
        return names;
    }

    /** Removes logs not written to for longer than the retention; returns how many. */
    public int expire(Duration retention, Instant now) {
        int removed = 0;
        for (String name : containers()) {
            Path f = file(name);
            try {
                if (Files.getLastModifiedTime(f).toInstant().plus(retention).isBefore(now)) {
                    Files.deleteIfExists(f);
                    removed++;
                }
            } catch (IOException e) {
                // it went away meanwhile, or cannot be removed: the next sweep tries again
            }
        }
        return removed;
    }
}
