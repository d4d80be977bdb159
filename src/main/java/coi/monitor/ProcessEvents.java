package coi.monitor;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.function.IntConsumer;

/**
 * The kernel's process events connector (netlink, CN_IDX_PROC): the pid of every exec on the host
 * as it happens, so that a process living less than one look (`cat /proc/1/environ | grep -i key`
 * is over in milliseconds) is still read from /proc while it runs. Since Linux 6.6 the kernel sends
 * this listener exec events only; older kernels send every fork, exec and exit, and the others are
 * skipped here. Listening needs CAP_NET_ADMIN (the supervisor runs as root).
 */
final class ProcessEvents {
    private static final int AF_NETLINK = 16, SOCK_DGRAM = 2, SOCK_CLOEXEC = 0x80000, NETLINK_CONNECTOR = 11;
    private static final int CN_IDX_PROC = 1, CN_VAL_PROC = 1, NLMSG_DONE = 3;
    private static final int PROC_CN_MCAST_LISTEN = 1, PROC_EVENT_EXEC = 0x2;
    /** nlmsghdr (16) + cn_msg (20): then the proc_event's what (4), cpu (4), timestamp (8), exec's pid and tgid. */
    private static final int HEADERS = 36, WHAT = HEADERS, EXEC_TGID = HEADERS + 20;

    private ProcessEvents() {}

    /** Subscribes and hands each exec's pid to {@code onExec} from a thread of its own, for the life of the process. */
    static void listen(IntConsumer onExec) {
        Arena arena = Arena.ofShared();
        int fd = subscribe(arena);
        MemorySegment buffer = arena.allocate(8192, 8);
        Thread.ofPlatform().daemon().name("coi-process-events").start(() -> {
            while (true) {
                long n = Libc.read(fd, buffer);
                for (long at = 0; at + EXEC_TGID + 4 <= n; ) {
                    int length = buffer.get(JAVA_INT, at);
                    if (buffer.get(JAVA_INT, at + WHAT) == PROC_EVENT_EXEC) onExec.accept(buffer.get(JAVA_INT, at + EXEC_TGID));
                    if (length <= 0) break;
                    at += (length + 3) & ~3;
                }
            }
        });
    }

    private static int subscribe(Arena arena) {
        try {
            MemorySegment state = arena.allocate(Libc.CALL_STATE);
            int fd = (int) Libc.SOCKET.invokeExact(state, AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_CONNECTOR);
            if (fd < 0) throw failure("socket", Libc.errno(state));
            MemorySegment address = arena.allocate(12, 4); // sockaddr_nl: family, pad, pid (0: the kernel's choice), groups
            address.set(JAVA_SHORT, 0, (short) AF_NETLINK);
            address.set(JAVA_INT, 8, CN_IDX_PROC);
            if ((int) Libc.BIND.invokeExact(state, fd, address, 12) < 0) throw failure("bind", Libc.errno(state));
            // nlmsghdr + cn_msg + proc_input {mcast_op, event_type}: the event filter is read by Linux 6.6 and later
            int payload = filtering() ? 8 : 4;
            MemorySegment message = arena.allocate(HEADERS + payload, 4);
            message.set(JAVA_INT, 0, HEADERS + payload);
            message.set(JAVA_SHORT, 4, (short) NLMSG_DONE);
            message.set(JAVA_INT, 16, CN_IDX_PROC);
            message.set(JAVA_INT, 20, CN_VAL_PROC);
            message.set(JAVA_SHORT, 32, (short) payload);
            message.set(JAVA_INT, 36, PROC_CN_MCAST_LISTEN);
            if (payload == 8) message.set(JAVA_INT, 40, PROC_EVENT_EXEC);
            if ((long) Libc.SEND.invokeExact(state, fd, message, message.byteSize(), 0) < 0) throw failure("send", Libc.errno(state));
            return fd;
        } catch (ObservationException e) {
            throw e;
        } catch (Throwable t) {
            throw new ObservationException("cannot listen to process events: " + t);
        }
    }

    /** Linux 6.6 and later filter the events per listener. */
    private static boolean filtering() {
        String[] release = System.getProperty("os.version").split("[.-]");
        try {
            int major = Integer.parseInt(release[0]), minor = Integer.parseInt(release[1]);
            return major > 6 || major == 6 && minor >= 6;
        } catch (RuntimeException unknown) {
            return false;
        }
    }

    private static ObservationException failure(String what, int errno) {
        return new ObservationException("cannot listen to process events (" + what + "): "
                + (errno == 1 ? "operation not permitted (the monitor needs root, CAP_NET_ADMIN): run coi as root or without --monitor" : "errno " + errno));
    }
}
