package coi.session;

import static org.assertj.core.api.Assertions.assertThat;

import coi.incus.Instances;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** When a session is over (its container stopped or gone), and that a "Frozen" reading is not that. */
class EndOfSessionTest extends FakeIncusSessions {

    /**
     * A `poweroff` inside: tmux is gone and systemd is going down. While the container stops, Incus
     * may say "Error" or "Frozen" (its monitor does not answer within 5 s) and then "Running" again.
     * None of them is the end: the session ends when the container is stopped, as CI twice saw it did
     * not. (The first reading is the settle's own look for a container the monitor froze.)
     */
    @Test
    void aPoweroffIsAwaitedToTheStopThroughAFrozenAndARunningReading() throws Exception {
        SessionPlan plan = sessions.shell(shell(config(""), null)).plan();
        String name = plan.container();
        daemon.exitNext("tmux", 1);
        String said = settleStoppingAfter(plan, () -> daemon.readsNext(name, "Running", "Error", "Running", "Frozen", "Running"), 500,
                () -> daemon.status(name, "Stopped"));
        assertThat(said).startsWith("session ended: container " + name);
    }

    /**
     * A `poweroff` inside as polled on this machine: "Stopped" the moment the container's init exits,
     * "Running" again while Incus tidies up after it (its stop hook holds the instance's lock), then
     * "Stopped" with Incus's power record STOPPED. CI saw a session end read as "the tool exited; still
     * running" this way: the wait ended at the first "Stopped", the next look read "Running".
     */
    @Test
    void aStoppedReadingBeforeIncusHasTidiedUpIsNotTheEnd() throws Exception {
        SessionPlan plan = sessions.shell(shell(config(""), null)).plan();
        String name = plan.container();
        daemon.exitNext("tmux", 1);
        String said = settleStoppingAfter(plan, () -> daemon.readsNext(name, "Running", "Running", "Stopped@RUNNING", "Running@RUNNING",
                "Running@RUNNING", "Running@STOPPED"), 800, () -> {
            daemon.config(name, Instances.POWER, "STOPPED");
            daemon.status(name, "Stopped");
        });
        assertThat(said).startsWith("session ended: container " + name);
        assertThat(daemon.instanceNames()).doesNotContain(name);
    }

    /**
     * A `reboot` inside as polled on this machine: the stop's readings, then "Stopped" with Incus's power record STOPPED
     * for about 0.3 s, then "Running" again. The session is not over: nothing is ended or removed, and the user is told.
     */
    @Test
    void aRebootInsideIsNotTheEndOfTheSession() throws Exception {
        SessionPlan plan = sessions.shell(shell(config(""), null)).plan();
        String name = plan.container();
        daemon.exitNext("tmux", 1).exitNext("tmux", 1);
        // its start time is not read here (the fake's last start is the session's): the stop's record alone tells the reboot
        assertThat(settle(plan, Attachment.STOP_WAIT, () -> daemon.readsNext(name, "Running", "Running", "Stopped@RUNNING", "Running@RUNNING",
                "Running@STOPPED", "Stopped@STOPPED", "Stopped@STOPPED", "Running@STOPPED"))).startsWith(name + " started again (a reboot inside): `coi attach " + name + " --bash` to return");
        assertThat(daemon.instanceNames()).contains(name);
        assertThat(store.all()).singleElement().satisfies(m -> assertThat(m.status()).isEqualTo("running"));
    }

    /** An Incus that died while it tidied up after a stop never writes its power record: a "Stopped" that holds still counts. */
    @Test
    void aStoppedReadingThatHoldsIsTheEndWithoutIncusRecordOfIt() throws Exception {
        SessionPlan plan = sessions.shell(shell(config(""), null)).plan();
        String name = plan.container();
        daemon.exitNext("tmux", 1);
        daemon.config(name, Instances.POWER, "RUNNING");
        daemon.status(name, "Stopped");
        assertThat(settle(plan, Attachment.STOP_WAIT)).startsWith("session ended: container " + name);
    }

    /**
     * A reboot whose "Stopped" moment no reading saw (CI, under load: systemd inside could not be asked as the container
     * was down, and the next reading was "Running" again): known by its later start, said at once as a reboot. Before,
     * the wait saw no stop and waited the whole stop wait for one.
     */
    @Test
    void aRebootWhoseStopNoReadingSawIsKnownByItsLaterStart() throws Exception {
        SessionPlan plan = sessions.shell(shell(config(""), null)).plan();
        String name = plan.container();
        daemon.exitNext("tmux", 1).exitNext("tmux", 1);
        assertThat(settle(plan, Duration.ofSeconds(5), () -> daemon.readsNext(name, "Running@RUNNING+"))).startsWith(name + " started again (a reboot inside): `coi attach " + name + " --bash` to return");
        assertThat(daemon.instanceNames()).contains(name);
        assertThat(store.all()).singleElement().satisfies(m -> assertThat(m.status()).isEqualTo("running"));
    }

    /** The wait for a stop itself: a Running reading of a later start ends it at once as a restart; without the start time it is no stop yet. */
    @Test
    void aWaitForAStopEndsAsStartedAgainAtTheFirstReadingOfALaterStart() throws Exception {
        SessionPlan plan = sessions.shell(shell(config(""), null)).plan();
        String name = plan.container();
        String since = incus.instance(name).lastUsedAt();
        daemon.readsNext(name, "Running@RUNNING+");
        Instances.StopSeen seen = incus.awaitStopped(name, Duration.ofSeconds(5), since);
        assertThat(seen.outcome()).isEqualTo(Instances.StopSeen.Outcome.STARTED_AGAIN);
        assertThat(seen.last()).hasValueSatisfying(i -> assertThat(i.lastUsedAt()).isNotEqualTo(since));
        assertThat(incus.awaitStopped(name, Duration.ofMillis(300)).outcome()).isEqualTo(Instances.StopSeen.Outcome.NOT_YET);
    }

    /** Without a reboot, the same readings are a shutdown still going on: the start time alone decides. */
    @Test
    void theSameReadingsWithoutANewStartAreAShutdownGoingOn() throws Exception {
        SessionPlan plan = sessions.shell(shell(config(""), null)).plan();
        String name = plan.container();
        daemon.exitNext("tmux", 1).exitNext("tmux", 1);
        assertThat(settle(plan, Duration.ofSeconds(1), () -> daemon.readsNext(name, "Running@RUNNING"))).startsWith(name + " is still shutting down after 1 s");
    }

    /**
     * A process inside that ignores SIGTERM holds a shutdown up to systemd's 90 s (seen here: a poweroff with one such
     * process read Running for 90 s): past the wait, the container is said to be still shutting down, not running on.
     */
    @Test
    void aShutdownLongerThanTheWaitIsSaidToBeGoingOn() throws Exception {
        SessionPlan plan = sessions.shell(shell(config(""), null)).plan();
        String name = plan.container();
        daemon.exitNext("tmux", 1).exitNext("tmux", 1);
        assertThat(settle(plan, Duration.ofSeconds(1))).startsWith(name + " is still shutting down after 1 s").contains("`coi kill " + name + "`");
        assertThat(daemon.status(name)).isEqualTo("Running");
        assertThat(store.all()).singleElement().satisfies(m -> assertThat(m.status()).isEqualTo("running"));
    }

    /** A frozen container whose system is up (`coi pause`d, or a slow monitor) is not ended: nothing of it is removed. */
    @Test
    void aFrozenReadingOfAContainerThatIsNotGoingDownEndsNothing() throws Exception {
        SessionPlan plan = sessions.shell(shell(config(""), null)).plan();
        String name = plan.container();
        daemon.status(name, "Frozen");
        assertThat(settle(plan, Attachment.STOP_WAIT)).startsWith("detached from " + name);
        assertThat(daemon.status(name)).isEqualTo("Frozen");
    }

    /** `coi list` ends the sessions whose container is down or gone: not one whose container is paused. */
    @Test
    void aSweepEndsTheSessionOfAStoppedContainerNotOfAFrozenOne() throws Exception {
        SessionPlan plan = sessions.shell(shell(config(""), null)).plan();
        daemon.status(plan.container(), "Frozen");
        Finalizer finalizer = new Finalizer(incus, store);
        assertThat(finalizer.sweep()).isEmpty();
        assertThat(store.all()).extracting(SessionMetadata::status).containsExactly("running");
        daemon.status(plan.container(), "Stopped");
        assertThat(finalizer.sweep()).containsExactly(plan.container());
        assertThat(store.all()).extracting(SessionMetadata::status).containsExactly("ended");
    }

    /**
     * A sweep (the background process's on connecting, `coi list`'s, `coi info`'s) that lists a
     * rebooting container in its Stopped moment ends nothing: the stop must hold, and this one runs
     * again (ShellE2EIT's reboot test found the background process ending such a session).
     */
    @Test
    void aSweepThatListsARebootingContainerEndsNothing() throws Exception {
        SessionPlan plan = sessions.shell(shell(config(""), null)).plan();
        String name = plan.container();
        daemon.status(name, "Stopped");
        daemon.readsNext(name, "Stopped@STOPPED", "Stopped@STOPPED", "Running@STOPPED", "Running@RUNNING");
        assertThat(new Finalizer(incus, store).sweep()).isEmpty();
        assertThat(store.all()).extracting(SessionMetadata::status).containsExactly("running");
    }

    /**
     * A stop event (the background process's events) whose container still reads Running while Incus tidies up after
     * it (its stop hook holds the instance's lock), then Stopped with its power record: the session ends once the stop
     * holds. Before, the event's one reading was Running, and the session stayed running until the next sweep.
     */
    @Test
    void aStopEventReadWhileIncusTidiesUpEndsTheSessionOnceTheStopHolds() throws Exception {
        SessionPlan plan = sessions.shell(shell(config(""), null)).plan();
        String name = plan.container();
        daemon.config(name, Instances.POWER, "STOPPED");
        daemon.status(name, "Stopped");
        daemon.readsNext(name, "Running@RUNNING", "Running@RUNNING", "Running@RUNNING");
        new Supervisor(incus, store, PREFIX, incus.project(), fencing, () -> null).endOnStopEvent(name, "instance-stopped");
        assertThat(store.all()).extracting(SessionMetadata::status).containsExactly("ended");
        assertThat(daemon.instanceNames()).as("the ephemeral container, stopped, is removed").doesNotContain(name);
    }

    /** A stop event whose container runs again after its stop record (a stop and a start in a moment) ends nothing. */
    @Test
    void aStopEventWhoseContainerRunsAgainEndsNothing() throws Exception {
        SessionPlan plan = sessions.shell(shell(config(""), null)).plan();
        String name = plan.container();
        daemon.readsNext(name, "Stopped@STOPPED", "Running@STOPPED");
        new Supervisor(incus, store, PREFIX, incus.project(), fencing, () -> null).endOnStopEvent(name, "instance-stopped");
        assertThat(store.all()).extracting(SessionMetadata::status).containsExactly("running");
        assertThat(daemon.instanceNames()).contains(name);
    }

    /** A container the monitor froze as the terminal returned: said so at once (no wait for a stop that does not come), nothing ended. */
    @Test
    void aContainerTheMonitorFrozeIsSaidAtOnceAndNotEnded() throws Exception {
        SessionPlan plan = sessions.shell(shell(config(""), null)).plan();
        String name = plan.container();
        incus.setConfig(name, Labels.FROZEN_BY, "reverse shell");
        daemon.exitNext("tmux", 1).status(name, "Frozen");
        assertThat(settle(plan, Attachment.STOP_WAIT)).startsWith(name + " is frozen by the monitor (reverse shell): `coi resume " + name + "`");
        assertThat(daemon.execs()).as("not asked whether it shuts down: no wait for a stop").noneMatch(e -> e.command().contains("systemctl"));
        assertThat(daemon.status(name)).isEqualTo("Frozen");
        assertThat(store.all()).extracting(SessionMetadata::status).containsExactly("running");
    }

    /** What the end of the session of {@code plan} says, waiting {@code stopWait} for a container going down to stop. */
    private String settle(SessionPlan plan, Duration stopWait) {
        return settle(plan, stopWait, () -> { });
    }

    /** As above, with {@code inTheSession} done after the container's start was read (as `coi shell` reads it while the user is in the session). */
    private String settle(SessionPlan plan, Duration stopWait, Runnable inTheSession) {
        StringWriter said = new StringWriter();
        Attachment attachment = new Attachment(incus, store, fencing, new PrintWriter(said, true), stopWait);
        String since = attachment.runningSince(plan.container());
        inTheSession.run();
        attachment.settle(plan.container(), plan.tmuxSession(), plan.code(), ws.path(), since);
        return said.toString();
    }

    /** As {@link #settle}, with {@code stop} done {@code afterMillis} into it: the container stopping meanwhile. */
    private String settleStoppingAfter(SessionPlan plan, Runnable inTheSession, long afterMillis, Runnable stop) throws InterruptedException {
        Thread stopping = Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(afterMillis);
                stop.run();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        String said = settle(plan, Attachment.STOP_WAIT, inTheSession);
        stopping.join();
        return said;
    }
}
