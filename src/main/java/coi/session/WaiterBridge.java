package coi.session;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import coi.Native;
import java.io.IOException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The native waiter's bridge over this supervisor's start (src/main/c/coi-waiter.c). A waiter that
 * watched monitored containers and wakes forks a child before it execs `coi __watch`: the bridge
 * goes on looking at them (and kills a critical threat's processes at once, as the waiter does)
 * while the JVM starts, which is 1-3 s on an idle machine and more on a loaded one, and before it
 * nothing watched them then. The waiter names the bridge in {@link #ENV}: the write end of a pipe
 * this process inherited, and the bridge's pid (this process's child: the waiter forked it, then
 * became this JVM). Once the supervisor's own first look is done, {@link #end} closes that end (the
 * bridge ends at the pipe's end) and {@link #poll} reaps the bridge; what it found is in the threats
 * file ({@link NativeWatch#THREATS}), which the supervisor reads only after that. If this process
 * ends first, the kernel closes the end, and the bridge ends too. A bridge whose supervisor never
 * closes the end (one that did not take the variable for its own) ends by itself a few seconds after
 * that supervisor's first listing (its heartbeat, see coi-waiter.c).
 */
final class WaiterBridge {
    /** coi-waiter.c's BRIDGE_ENV: "FD PID". */
    static final String ENV = "COI_WAITER_BRIDGE";
    private static final Pattern VALUE = Pattern.compile("(\\d{1,9}) (\\d{1,9})");
    private static final int WNOHANG = 1;
    /** How long the bridge may take to end after its pipe's end (a look under way finishes first), and to be reaped once killed. */
    private static final Duration END_WAIT = Duration.ofSeconds(3);

    private final int fd;
    private final long pid;
    private Instant endAsked;
    private Instant killedAt;

    private WaiterBridge(int fd, long pid) {
        this.fd = fd;
        this.pid = pid;
    }

    /**
     * The bridge {@code value} (the variable {@link #ENV}) names, when it is this process's: the
     * descriptor a pipe of this process and the pid a child of it. A value inherited from elsewhere (a
     * coi command that a supervisor started) names neither, and is left alone: nothing is closed.
     */
    static Optional<WaiterBridge> inherited(String value, Path proc, long self) {
        if (value == null) return Optional.empty();
        Matcher m = VALUE.matcher(value);
        if (!m.matches()) return Optional.empty();
        int fd = Integer.parseInt(m.group(1));
        long pid = Long.parseLong(m.group(2));
        if (fd < 3 || pid <= 1 || pid == self) return Optional.empty();
        try {
            if (!Files.readSymbolicLink(proc.resolve("self/fd/" + fd)).toString().startsWith("pipe:")) return Optional.empty();
            if (parent(Files.readString(proc.resolve(pid + "/stat"))) != self) return Optional.empty();
        } catch (IOException | RuntimeException gone) {
            return Optional.empty();
        }
        return Optional.of(new WaiterBridge(fd, pid));
    }

    /** The bridge of this process, if the waiter it was exec'd from left one. */
    static Optional<WaiterBridge> ofThisProcess() {
        return inherited(System.getenv(ENV), Path.of("/proc"), ProcessHandle.current().pid());
    }

    /** The ppid field of /proc/PID/stat: after the command's closing parenthesis (the command may hold any), the state, then it. */
    static long parent(String stat) {
        String[] after = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(after[1]);
    }

    long pid() {
        return pid;
    }

    /** What {@link #poll} says of a bridge told to end. */
    enum State { ENDING, ENDED, GIVEN_UP }

    /**
     * Tells the bridge to end: its pipe's end closed (the bridge ends at the end of its look under
     * way). Then {@link #poll}, once per round of the supervisor's loop: a look of a busy container
     * may take a while, and the supervisor's own looks go on meanwhile.
     */
    void end(Instant now) {
        if (endAsked != null) return;
        Native.close(fd);
        endAsked = now;
    }

    /**
     * Whether the bridge told to {@link #end} has ended (reaped: a child nobody waits for stays a
     * zombie). One still there {@link #END_WAIT} later is killed, and given up on once it still
     * is not reaped {@link #END_WAIT} after that; the caller then leaves what it found for the
     * next supervisor (it may still be writing).
     */
    State poll(Instant now) {
        int r = waitpid(pid);
        // reaped, or not (or no longer) a child of this process
        if (r == pid || r < 0) return State.ENDED;
        if (killedAt == null && now.isAfter(endAsked.plus(END_WAIT))) {
            Supervisor.log("the waiter's bridge (pid " + pid + ") did not end at its pipe's end: killed");
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            killedAt = now;
        } else if (killedAt != null && now.isAfter(killedAt.plus(END_WAIT))) {
            Supervisor.log("the waiter's bridge (pid " + pid + ") was killed but is not reaped: left to its end");
            return State.GIVEN_UP;
        }
        return State.ENDING;
    }

    /** waitpid(pid, NULL, WNOHANG): pid when reaped, 0 while it runs, -1 when it is no child of this process. */
    private static int waitpid(long pid) {
        try {
            return (int) Waitpid.HANDLE.invokeExact((int) pid, MemorySegment.NULL, WNOHANG);
        } catch (Throwable t) {
            throw new IllegalStateException("waitpid", t);
        }
    }

    /** libc's waitpid, linked at the first bridge's end: the same on every architecture (the system call is not). */
    private static final class Waitpid {
        static final MethodHandle HANDLE = Native.plain("waitpid", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    }
}
