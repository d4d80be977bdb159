package coi.session;

import coi.incus.IncusClient;
import coi.network.NetworkFence;
import coi.network.Nft;
import java.io.PrintWriter;
import java.nio.file.Path;

/**
 * The session services for the AOT training (coi.train): launches as `coi run` makes them, on the
 * client given (the training's stand-in for Incus), with the network fence rendered into the given
 * nft (in memory), no protected view (a rehearsal never mounts anything on the host: its sessions
 * protect no path, so the view step, which runs beside create, builds nothing, and the reuse path's
 * own view steps are left out) and no launcher (so no helper process starts: the run's end is undone
 * in-process).
 */
public final class Rehearsal {
    private Rehearsal() {}

    /** As root in {@code home}, sessions in {@code sessionsRoot}, the default container prefix. */
    public static Sessions sessions(IncusClient incus, Path sessionsRoot, Path home, Nft nft, PrintWriter out) {
        Sessions.Host host = new Sessions.Host(0, 0, home, ContainerName.DEFAULT_PREFIX, null);
        return new Sessions(incus, new SessionStore(sessionsRoot), host, out, new Fencing(incus, new NetworkFence(nft)),
                ProtectedView.onHost(host.uid())).adjustLaunchers(Rehearsal::withoutViews);
    }

    private static Launcher withoutViews(Launcher launcher) {
        Launcher without = launcher;
        for (String step : new String[] {LaunchSteps.VIEW, LaunchSteps.RELEASE_VIEW}) {
            if (without.names().contains(step)) without = without.without(step);
        }
        return without;
    }
}
