package coi.session;

import coi.CoiException;
import coi.incus.Model;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Stream;

/**
 * A session container that started again behind coi's back (a reboot inside, `incus restart`,
 * `incus start`) on its protected view's empty folder: coi takes the host's view down once the
 * started container holds its own copy ({@link ProtectedView#remove}), so such a start mounts the
 * folder, not the workspace. The agent then sees an empty /workspace, and what it writes there
 * lands in the folder on the host, hidden by the next view: a useless session the supervisor
 * stops (see {@link Supervisor}), after which `coi shell` starts it with its view again.
 *
 * <p>How it is told apart from a start with the view, from the host's side only: every time coi
 * takes a view down it first notes the moment ({@link #noteTakenDown}, beside the view's folder,
 * where the agent cannot write), on the kernel's clock of process starts. A container whose init
 * started after the last take-down while no view is mounted cannot have had one. The init's start
 * comes from the host's /proc for the pid Incus reports: nothing the agent can set.
 */
final class ViewlessStart {
    /** The host's boot and the clock the kernel counts process starts on (clock ticks since boot). */
    interface Boot {
        String id();

        long now();

        /** When {@code pid} started; empty when there is no such process. */
        OptionalLong started(long pid);
    }

    /** When the view was last taken down: in which boot, at which tick. */
    record TakenDown(String bootId, long ticks) {
        static Optional<TakenDown> parse(String text) {
            String[] parts = text.strip().split(" ");
            if (parts.length != 2 || parts[0].isEmpty()) return Optional.empty();
            try {
                return Optional.of(new TakenDown(parts[0], Long.parseLong(parts[1])));
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        }

        String text() {
            return bootId + " " + ticks + "\n";
        }
    }

    private final Path sessionsRoot;
    private final Boot boot;

    ViewlessStart(Path sessionsRoot, Boot boot) {
        this.sessionsRoot = sessionsRoot;
        this.boot = boot;
    }

    /** Beside the view's folder, outside what the container mounts: `views/<container>.down`. */
    static Path noteOf(Path view) {
        return view.resolveSibling(view.getFileName() + ".down");
    }

    /** Notes that {@code view} is being taken down now; called before it is, so a start after the note can have had no view. */
    static void noteTakenDown(Path view, Boot boot) {
        Path note = noteOf(view);
        try {
            coi.AtomicFile.write(note, new TakenDown(boot.id(), boot.now()).text().getBytes(StandardCharsets.US_ASCII));
        } catch (IOException | RuntimeException e) {
            // an older note would make a container started with this view look viewless: none is better than a wrong one
            try {
                Files.deleteIfExists(note);
            } catch (IOException ignored) {
                // the warning below says what matters
            }
            System.err.println("coi: warning: cannot note that " + view + " was taken down (" + e.getMessage()
                    + "): a restart behind coi's back is not caught for this container");
        }
    }

    /** Whether the container's workspace device is its protected view's folder (of coi's sessions at {@code sessionsRoot}). */
    static boolean onItsView(Path sessionsRoot, Model.Instance i) {
        Map<String, String> workspace = i.devices() == null ? null : i.devices().get("workspace");
        return workspace != null && ProtectedView.path(sessionsRoot, i.name()).toString().equals(workspace.get("source"));
    }

    /**
     * Whether {@code i} (as just listed, with its state) runs on the empty folder of its view: its
     * workspace device is the view, no view is mounted now (a launch that is starting it holds one),
     * and its init started after the view was last taken down, or in a later boot.
     */
    boolean startedWithoutView(Model.Instance i) {
        if (!i.running() || i.state() == null || i.state().pid() <= 0) return false;
        if (!onItsView(sessionsRoot, i)) return false;
        Path view = ProtectedView.path(sessionsRoot, i.name());
        try {
            if (!Files.isDirectory(view, LinkOption.NOFOLLOW_LINKS) || ProtectedView.mounted(view)) return false;
        } catch (CoiException e) {
            return false;
        }
        // read after the mount check: coi writes the note before it takes a view down
        Optional<TakenDown> down = read(noteOf(view));
        if (down.isEmpty()) return false;
        OptionalLong started = boot.started(i.state().pid());
        if (started.isEmpty()) return false;
        return !down.get().bootId().equals(boot.id()) || started.getAsLong() > down.get().ticks();
    }

    /** Whether the agent wrote anything into the view's folder (it stays there, hidden by the next view). */
    boolean wroteIntoFolder(String container) {
        try (Stream<Path> entries = Files.list(ProtectedView.path(sessionsRoot, container))) {
            return entries.findAny().isPresent();
        } catch (IOException e) {
            return false;
        }
    }

    private static Optional<TakenDown> read(Path note) {
        try {
            return TakenDown.parse(Files.readString(note, StandardCharsets.US_ASCII));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** This host's kernel: boot id, /proc/uptime and /proc/PID/stat, both in USER_HZ ticks (100 a second on Linux). */
    static Boot local() {
        return new Boot() {
            @Override
            public String id() {
                try {
                    return Files.readString(Path.of("/proc/sys/kernel/random/boot_id")).strip();
                } catch (IOException e) {
                    throw new CoiException("cannot read the boot id: " + e.getMessage(), e);
                }
            }

            @Override
            public long now() {
                try {
                    return uptimeTicks(Files.readString(Path.of("/proc/uptime")));
                } catch (IOException e) {
                    throw new CoiException("cannot read /proc/uptime: " + e.getMessage(), e);
                }
            }

            @Override
            public OptionalLong started(long pid) {
                try {
                    return startTicks(Files.readString(Path.of("/proc/" + pid + "/stat")));
                } catch (IOException e) {
                    return OptionalLong.empty();
                }
            }
        };
    }

    /** /proc/uptime's first field ("12345.67", seconds since boot) in hundredths of a second. */
    static long uptimeTicks(String uptime) {
        String seconds = uptime.strip().split(" ")[0];
        int dot = seconds.indexOf('.');
        if (dot < 0) return Long.parseLong(seconds) * 100;
        String fraction = (seconds.substring(dot + 1) + "00").substring(0, 2);
        return Long.parseLong(seconds.substring(0, dot)) * 100 + Long.parseLong(fraction);
    }

    /**
     * The start time (field 22) of a /proc/PID/stat line. The command name (field 2) is in
     * parentheses and may hold blanks and parentheses itself: the fields are counted after its last ')'.
     */
    static OptionalLong startTicks(String stat) {
        int close = stat.lastIndexOf(')');
        if (close < 0) return OptionalLong.empty();
        String[] after = stat.substring(close + 1).strip().split(" ");
        // after the name: field 3 (state) is after[0], so field 22 is after[19]
        if (after.length < 20) return OptionalLong.empty();
        try {
            return OptionalLong.of(Long.parseLong(after[19]));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }
}
