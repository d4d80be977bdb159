package coi.monitor;

import coi.config.Config;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns threats into actions: info is logged, warning alerted, high pauses (freezes) the
 * container, critical kills it, as the settings allow. The audit line is written before the
 * action, so whoever sees the container stop finds why. A threat seen again within
 * {@link #DEDUP} is recorded once more as deduplicated and then not again until the period ends,
 * unless it is to be killed: a kill is never left out for a repeat (a container of the same name
 * made again within the period, a new session in the slot of one just stopped, is another
 * container, and its reverse shell must not live out the old one's period; CI saw one live 24 s).
 */
public final class Responder {
    public static final Duration DEDUP = Duration.ofSeconds(30);

    /** What the responder can do to a container. */
    public interface Effects {
        void alert(String container, Threat threat);

        void pause(String container, Threat threat);

        void kill(String container, Threat threat);
    }

    private record Seen(Instant first, boolean dedupRecorded) {}

    private final AuditLog log;
    private final Effects effects;
    private final Clock clock;
    private final Map<String, Seen> seen = new HashMap<>();

    public Responder(AuditLog log, Effects effects, Clock clock) {
        this.log = log;
        this.effects = effects;
        this.clock = clock;
    }

    /** Responds to one container's threats, the most serious first; returns what was recorded. */
    public List<AuditEvent> respond(String container, Config.Monitoring settings, List<Threat> threats) {
        Instant now = clock.instant();
        seen.values().removeIf(s -> s.first().plus(DEDUP).isBefore(now));
        List<AuditEvent> recorded = new ArrayList<>();
        boolean stopped = false;
        for (Threat t : threats.stream().sorted(Comparator.comparing(Threat::level).reversed()).toList()) {
            String key = container + "|" + t.dedupKey();
            Seen before = seen.get(key);
            Action action = stopped ? Action.LOGGED : action(t.level(), settings);
            if (before != null && action != Action.KILLED) {
                if (!before.dedupRecorded()) {
                    seen.put(key, new Seen(before.first(), true));
                    recorded.add(record(container, t, Action.DEDUPLICATED, now));
                }
                continue;
            }
            if (before == null) seen.put(key, new Seen(now, false));
            recorded.add(record(container, t, action, now));
            switch (action) {
                case ALERTED -> effects.alert(container, t);
                case PAUSED -> {
                    effects.pause(container, t);
                    stopped = true;
                }
                case KILLED -> {
                    effects.kill(container, t);
                    stopped = true;
                }
                default -> { }
            }
        }
        return recorded;
    }

    /**
     * The threats seen within {@link #DEDUP}: "container|dedup key" to when first seen; what the native
     * waiter is told when it watches in the supervisor's place, so that it does not hand them back.
     */
    public Map<String, Instant> seen() {
        Instant now = clock.instant();
        Map<String, Instant> recent = new HashMap<>();
        seen.forEach((key, s) -> {
            if (!s.first().plus(DEDUP).isBefore(now)) recent.put(key, s.first());
        });
        return recent;
    }

    /** Forgets a container's threats (it is gone, or thawed by the user who has seen them). */
    public void forget(String container) {
        seen.keySet().removeIf(k -> k.startsWith(container + "|"));
    }

    static Action action(Level level, Config.Monitoring s) {
        return switch (level) {
            case INFO -> Action.LOGGED;
            case WARNING -> Action.ALERTED;
            case HIGH -> s.autoPauseOnHigh() ? Action.PAUSED : Action.ALERTED;
            case CRITICAL -> s.autoKillOnCritical() ? Action.KILLED : s.autoPauseOnHigh() ? Action.PAUSED : Action.ALERTED;
        };
    }

    private AuditEvent record(String container, Threat t, Action action, Instant now) {
        AuditEvent event = AuditEvent.of(container, t, action, OffsetDateTime.ofInstant(now, clock.getZone()));
        log.append(event);
        return event;
    }
}
