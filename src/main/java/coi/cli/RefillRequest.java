package coi.cli;

import coi.Trace;
import coi.session.Sessions;
import coi.session.Workspace;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/**
 * A pooled `coi shell`'s request that the background process refill what its claim takes
 * ({@link coi.session.WarmPool#requestRefills}), written on a thread of its own while the shell
 * plans and launches: its first JSON serialisation and temp file took 40-90 ms of the shell's start
 * on the main thread, and then 50-75 ms of its launch, which waited for it before its first step
 * (traced 2026-12-08). It is made when it always was (before the plan, so also when the plan then
 * fails); the shell waits for it once its session runs, before it makes sure the background process
 * runs (which then finds it), and the command waits for it before it returns, however it ends. A
 * background process already running finds it in the pool's folder, which it looks at every few
 * seconds. A failure to write it only warns, as it did: the session goes on without the refill.
 */
final class RefillRequest {
    private final FutureTask<Void> written;

    private RefillRequest(FutureTask<Void> written) {
        this.written = written;
    }

    /** Starts writing the request and makes {@code sessions}' shell wait for it before the background process. */
    static RefillRequest start(Sessions sessions, Workspace ws, Map<String, String> env) {
        FutureTask<Void> written = new FutureTask<>(() -> {
            try {
                sessions.pool().requestRefills(ws, env);
                Trace.mark("shell: pool refills requested");
            } catch (RuntimeException e) {
                System.err.println("coi: warning: cannot request a pool refill (" + e.getMessage() + "): the pool is refilled only by `coi pool fill`");
            }
        }, null);
        Thread.ofPlatform().daemon().name("coi-refill-request").start(written);
        RefillRequest request = new RefillRequest(written);
        sessions.beforeBackgroundProcess(request::await);
        return request;
    }

    /** Returns once the request is written (or failed, which was said on stderr). */
    void await() {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    written.get();
                    return;
                } catch (InterruptedException e) {
                    // the write ends by itself: wait on, pass the interrupt on after
                    interrupted = true;
                } catch (ExecutionException e) {
                    // only an Error gets here (the task says its own failures)
                    throw (Error) e.getCause();
                }
            }
        } finally {
            if (interrupted) Thread.currentThread().interrupt();
        }
    }
}
