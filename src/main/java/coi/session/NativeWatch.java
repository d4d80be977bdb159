package coi.session;

import coi.AtomicFile;
import coi.config.Config;
import coi.incus.Json;
import coi.incus.Model;
import coi.monitor.Monitor;
import coi.monitor.Threat;
import coi.network.NetworkFence;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The monitor handed to the native waiter (src/main/c/monitor.c) while the supervisor has nothing
 * else to do: a JVM cannot stay resident under 30 MiB, the waiter watches a monitored container in a
 * few. The supervisor writes what to watch ({@link #TARGETS}: each container's payload cgroup, init,
 * settings, fence counters, and the threats its responder saw lately, so that the waiter does not
 * hand the same ones back within {@link coi.monitor.Responder#DEDUP}) and the containers as it
 * listed them ({@link #INSTANCES}: a container the waiter killed may be gone when the supervisor
 * starts again, and its session is still to be marked). The waiter looks as the supervisor's
 * monitor does, with the same detectors; what it finds it appends to {@link #THREATS} and starts the
 * supervisor, which answers those first, as its own monitor's (the waiter has killed the processes of
 * a critical threat's container already when its settings say kill: that cannot wait for a JVM).
 * All three files are in the sessions folder, which no container mounts.
 */
final class NativeWatch {
    static final String TARGETS = "monitor-targets.tsv";
    static final String INSTANCES = "monitor-instances.json";
    static final String THREATS = "monitor-threats.jsonl";
    static final String REFUSED = "monitor-refused";
    /** monitor.h's MON_TOO_MUCH. */
    static final String TOO_MUCH = "too much to watch natively: ";
    /** What the waiter's parser accepts as a name (monitor.c); a container of coi's never has more. */
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,127}");

    /** What the waiter found: a threat in a container, whose processes it killed already or not. */
    record Found(String container, boolean killed, Threat threat) {}

    private NativeWatch() {}

    /**
     * Writes the targets file for {@code targets} and returns it; empty when a name cannot be handed
     * over (the supervisor then keeps watching itself).
     *
     * @param seen   the responder's recent threats: "container|dedup key" to when first seen
     * @param modes  each container's network mode (its fence counters)
     */
    static java.util.Optional<Path> write(Path sessionsRoot, List<Monitor.Target> targets, Map<String, Instant> seen,
                                          Map<String, String> modes, List<Model.Instance> listed) {
        StringBuilder out = new StringBuilder("coi-monitor-targets\t1\nnft\tinet\t").append(NetworkFence.TABLE).append('\n');
        for (Monitor.Target t : targets) {
            if (!NAME.matcher(t.container()).matches() || !NAME.matcher(t.payload()).matches()) return java.util.Optional.empty();
            Config.Monitoring s = t.settings();
            String mode = modes.get(t.container());
            out.append("target\t").append(t.container()).append('\t').append(t.payload()).append('\t').append(t.init())
                    .append('\t').append(s.autoPauseOnHigh() ? 1 : 0).append('\t').append(s.autoKillOnCritical() ? 1 : 0)
                    .append('\t').append(s.fileReadThresholdMb()).append('\t').append(s.fileWriteThresholdMb())
                    .append('\t').append(s.processCountThreshold()).append('\t').append(s.processSpawnRateThreshold())
                    .append('\t').append(s.suspiciousPorts().isEmpty() ? "-"
                            : String.join(",", s.suspiciousPorts().stream().map(String::valueOf).toList()))
                    .append('\t').append("allowlist".equals(mode) ? NetworkFence.blockedCounter(t.container()) : "-")
                    .append('\t').append("restricted".equals(mode) ? NetworkFence.dnsCounter(t.container()) : "-")
                    .append('\n');
        }
        for (var e : seen.entrySet()) {
            int bar = e.getKey().indexOf('|');
            String container = e.getKey().substring(0, bar);
            if (!NAME.matcher(container).matches()) continue;
            out.append("seen\t").append(container).append('\t').append(e.getValue().toEpochMilli()).append('\t')
                    .append(HexFormat.of().formatHex(e.getKey().substring(bar + 1).getBytes(StandardCharsets.UTF_8))).append('\n');
        }
        Path file = sessionsRoot.resolve(TARGETS);
        try {
            // with the init's pid only (a supervisor that takes a container back knows it by that), not its network state
            AtomicFile.write(sessionsRoot.resolve(INSTANCES), Json.MAPPER.writeValueAsBytes(listed.stream()
                    .map(i -> i.withState(i.state() == null ? null : new Model.InstanceState(i.state().status(), i.state().pid(), null)))
                    .toList()));
            AtomicFile.write(file, out.toString().getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            Supervisor.log("cannot write " + file + " for the waiter: " + e.getMessage() + "; monitoring here");
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(file);
    }

    /** The containers as the supervisor listed them when it handed over last; empty when there is no such file. */
    static List<Model.Instance> instances(Path sessionsRoot) {
        Path file = sessionsRoot.resolve(INSTANCES);
        try {
            return List.of(Json.MAPPER.readValue(Files.readAllBytes(file), Model.Instance[].class));
        } catch (NoSuchFileException none) {
            return List.of();
        } catch (IOException e) {
            Supervisor.log("cannot read " + file + ": " + e.getMessage());
            return List.of();
        }
    }

    /**
     * What the waiter found: lines that cannot be read are logged and skipped, a line the waiter could
     * not finish (it was killed mid-write) among them. The file stays until {@link #answered}: a `coi
     * run` whose command the waiter killed looks for its threat there until the audit line is written.
     */
    static List<Found> read(Path sessionsRoot) {
        Path file = sessionsRoot.resolve(THREATS);
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException none) {
            return List.of();
        } catch (IOException e) {
            Supervisor.log("cannot read " + file + ": " + e.getMessage());
            return List.of();
        }
        List<Found> found = new ArrayList<>();
        for (String line : lines) {
            if (line.isBlank()) continue;
            try {
                Found f = Json.MAPPER.readValue(line, Found.class);
                if (f.container() == null || f.threat() == null || f.threat().level() == null) throw new IOException("incomplete");
                found.add(f);
            } catch (IOException e) {
                Supervisor.log("skipping a line of " + file + " that is not a threat (" + e.getMessage().lines().findFirst().orElse("") + ")");
            }
        }
        return found;
    }

    /** What {@link #read} returned has been answered (its audit lines are written): the file goes. */
    static void answered(Path sessionsRoot) {
        try {
            Files.deleteIfExists(sessionsRoot.resolve(THREATS));
        } catch (IOException e) {
            Supervisor.log("cannot remove " + sessionsRoot.resolve(THREATS) + ": " + e.getMessage());
        }
    }

    /** The threat for which the waiter killed {@code container}'s processes, while the supervisor has not answered it yet. */
    static java.util.Optional<Threat> killedPending(Path sessionsRoot, String container) {
        Path file = sessionsRoot.resolve(THREATS);
        if (!Files.exists(file)) return java.util.Optional.empty();
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                try {
                    Found f = Json.MAPPER.readValue(line, Found.class);
                    if (f.killed() && container.equals(f.container()) && f.threat() != null) return java.util.Optional.of(f.threat());
                } catch (IOException unfinished) {
                    // a line being written: the next look reads it whole
                }
            }
        } catch (IOException gone) {
            // answered meanwhile: the audit log has it
        }
        return java.util.Optional.empty();
    }

    /**
     * The containers the waiter handed back because it cannot watch them whole (more sockets, descriptors,
     * command line or threats than it reads, or a look that took too long: "too much to watch natively: NAME: why",
     * monitor.h's MON_TOO_MUCH): the supervisor keeps watching those itself. The file is removed.
     */
    /** A container the waiter handed back: why, and when it wrote so (the last moment it looked). */
    record HandedBack(String reason, Instant at) {}

    static Map<String, HandedBack> refused(Path sessionsRoot) {
        Path file = sessionsRoot.resolve(REFUSED);
        Map<String, HandedBack> handed = new java.util.TreeMap<>();
        try {
            Instant at = Files.getLastModifiedTime(file).toInstant();
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (!line.startsWith(TOO_MUCH)) continue;
                String rest = line.substring(TOO_MUCH.length());
                int colon = rest.indexOf(':');
                String name = colon < 0 ? rest : rest.substring(0, colon);
                if (NAME.matcher(name).matches()) {
                    String reason = rest.substring(Math.min(rest.length(), colon + 1)).strip();
                    handed.put(name, new HandedBack(reason, at));
                    Supervisor.log("the waiter handed " + name + " back: " + reason + "; the supervisor watches it itself");
                }
            }
            Files.delete(file);
        } catch (NoSuchFileException none) {
            return handed;
        } catch (IOException e) {
            Supervisor.log("cannot read " + file + ": " + e.getMessage());
        }
        return handed;
    }

    /** Removes the files of an earlier hand-over (the supervisor watches itself now). */
    static void forget(Path sessionsRoot) {
        for (String name : List.of(TARGETS, INSTANCES)) {
            try {
                Files.deleteIfExists(sessionsRoot.resolve(name));
            } catch (IOException e) {
                Supervisor.log("cannot remove " + sessionsRoot.resolve(name) + ": " + e.getMessage());
            }
        }
    }
}
