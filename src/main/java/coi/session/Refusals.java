package coi.session;

import coi.AtomicFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The monitored containers the waiter handed back ({@link NativeWatch#refused}), each kept by the
 * supervisor for a hold that doubles with every hand-back of the same container: 10 minutes, 20,
 * 40, ... at most 8 hours (a day without one after a hold ends starts it over). A container is
 * handed back for what it holds at one moment (a look over a second on a loaded machine, a process
 * with a thousand descriptors at its exec), so it
 * goes to the waiter again once its hold is over; one that keeps being handed back costs a JVM
 * start each time, ever more rarely. Kept in {@code ~/.coi/monitor-refusals.tsv} (name, count,
 * until): the supervisor that holds a container exits once it hands over, and the next one, started
 * by the next hand-back, must know the count. Entries of containers no longer monitored go.
 */
final class Refusals {
    static final String FILE = "monitor-refusals.tsv";
    static final Duration FIRST = Duration.ofMinutes(10), LONGEST = Duration.ofHours(8), FORGIVEN = Duration.ofDays(1);
    /** Test hook (the JVM's -D, e.g. through JAVA_TOOL_OPTIONS): the first hold, an ISO-8601 duration such as PT15S. */
    static final String FIRST_PROPERTY = "coi.monitor.handBackHold";

    record Entry(int count, Instant until) {}

    private final Path file;
    private final Duration first;
    private final Map<String, Entry> entries = new TreeMap<>();

    Refusals(Path sessionsRoot, Duration first) {
        this.file = sessionsRoot.resolve(FILE);
        this.first = first;
        read();
    }

    /** The supervisor's: the first hold from {@link #FIRST_PROPERTY} when set and valid, else {@link #FIRST}. */
    static Refusals of(Path sessionsRoot) {
        Duration first = Supervisor.tuned(FIRST_PROPERTY, FIRST);
        return new Refusals(sessionsRoot, first);
    }

    /** {@code name} was handed back at {@code now}: held for twice its last hold (the first: {@link #FIRST}). */
    void handedBack(String name, Instant now) {
        Entry last = entries.get(name);
        // a day without a hand-back since the last hold ended: the container starts over at the first hold
        int count = last == null || last.until().plus(FORGIVEN).isBefore(now) ? 1 : Math.min(last.count() + 1, 64);
        Duration hold = first.multipliedBy(1L << Math.min(count - 1, 20));
        if (hold.compareTo(LONGEST) > 0) hold = LONGEST;
        entries.put(name, new Entry(count, now.plus(hold)));
        Supervisor.log("the supervisor watches " + name + " itself until " + now.plus(hold) + " (hand-back " + count + ")");
        write();
    }

    /** The containers among {@code monitored} still held at {@code now}; entries of others are dropped. */
    List<String> held(Collection<String> monitored, Instant now) {
        if (entries.keySet().retainAll(monitored)) write();
        List<String> held = new ArrayList<>();
        entries.forEach((name, e) -> {
            if (now.isBefore(e.until())) held.add(name);
        });
        return held;
    }

    Map<String, Entry> entries() {
        return Map.copyOf(entries);
    }

    private void read() {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException none) {
            return;
        } catch (IOException e) {
            Supervisor.log("cannot read " + file + ": " + e.getMessage());
            return;
        }
        for (String line : lines) {
            String[] f = line.split("\t", -1);
            try {
                if (f.length == 3 && NativeWatch.NAME.matcher(f[0]).matches()) {
                    entries.put(f[0], new Entry(Math.max(1, Math.min(Integer.parseInt(f[1]), 64)), Instant.parse(f[2])));
                }
            } catch (NumberFormatException | DateTimeParseException skipped) {
                // a line this code did not write: the container starts over at the first hold
            }
        }
    }

    private void write() {
        StringBuilder out = new StringBuilder();
        entries.forEach((name, e) -> out.append(name).append('\t').append(e.count()).append('\t').append(e.until()).append('\n'));
        try {
            if (entries.isEmpty()) {
                Files.deleteIfExists(file);
            } else {
                AtomicFile.write(file, out.toString().getBytes(StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            Supervisor.log("cannot write " + file + ": " + e.getMessage());
        }
    }
}
