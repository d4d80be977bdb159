package coi.session;

import coi.Native;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * bridge ends at the pipe's end) and reaps the bridge; what it found is in the threats file
 * ({@link NativeWatch#THREATS}), which the supervisor reads only after that. If this process ends
 * first, the kernel closes the end, and the bridge ends too.
 */
final class WaiterBridge {
    /** coi-waiter.c's BRIDGE_ENV: "FD PID". */
    static final String ENV = "COI_WAITER_BRIDGE";
    private static final Pattern VALUE = Pattern.compile("(\\d{1,9}) (\\d{1,9})");
    /** x86-64's wait4; WNOHANG. */
    private static final long WAIT4 = 61, WNOHANG = 1;
    /** How long the bridge may take to end after its pipe's end (a look under way finishes first). */
    private static final long END_WAIT_MS = 3000;

    private final int fd;
    private final long pid;

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

    /**
     * Ends the bridge: its pipe closed, then reaped (a child nobody waits for stays a zombie). One
     * that does not end within {@link #END_WAIT_MS} is killed.
     */
    void end() {
        Native.close(fd);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(Native.CALL_STATE);
            long deadline = System.nanoTime() + END_WAIT_MS * 1_000_000;
            boolean killed = false;
            while (true) {
                long r = Native.syscall(state, WAIT4, pid, 0, WNOHANG, 0, 0);
                // reaped, or not (or no longer) a child of this process
                if (r == pid || r < 0) return;
                if (System.nanoTime() > deadline) {
                    if (killed) {
                        Supervisor.log("the waiter's bridge (pid " + pid + ") was killed but not reaped: left to its end");
                        return;
                    }
                    Supervisor.log("the waiter's bridge (pid " + pid + ") did not end at its pipe's end: killed");
                    ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
                    killed = true;
                    deadline = System.nanoTime() + END_WAIT_MS * 1_000_000;
                }
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }
}
