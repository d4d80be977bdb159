package coi.session;

import coi.CoiException;
import coi.incus.IncusClient;
import coi.incus.IncusException;
import coi.incus.Model;
import coi.monitor.Detectors;
import coi.monitor.HostView;
import coi.monitor.Snapshot;
import coi.monitor.Threat;
import java.nio.file.Path;
import java.util.List;

/** `coi monitor NAME`: one look at a container as the monitor sees it, without acting on anything. */
public final class MonitorView {
    /** Two snapshots {@link #INTERVAL_MS} apart: the io rates are their difference. */
    public record Report(String container, boolean monitored, String status, Snapshot snapshot, long readBytesPerSecond,
                         long writeBytesPerSecond, List<Threat> threats) {}

    private static final long INTERVAL_MS = 500;

    private MonitorView() {}

    public static Report look(IncusClient incus, String name, coi.config.Config.Monitoring defaults) throws InterruptedException {
        Model.Instance instance;
        try {
            instance = incus.instance(name);
        } catch (IncusException.NotFound e) {
            throw new CoiException("container " + name + " not found: `coi list` shows the running sessions");
        }
        if (instance.configValue(Labels.WORKSPACE) == null) throw new CoiException(name + " is not a coi session container");
        if (!instance.running() && !"Frozen".equals(instance.status())) {
            throw new CoiException("container " + name + " is " + instance.status().toLowerCase() + ": nothing to look at");
        }
        var settings = MonitorLabel.decode(instance.configValue(Labels.MONITOR));
        HostView view = HostView.local();
        Path cgroup = view.cgroupOf(HostView.payload(incus.project(), name));
        Snapshot first = view.snapshot(name, cgroup);
        Thread.sleep(INTERVAL_MS);
        Snapshot second = view.snapshot(name, cgroup);
        long read = 0, written = 0;
        for (Snapshot.Proc p : second.processes()) {
            var old = first.processes().stream().filter(o -> o.pid() == p.pid()).findFirst();
            read += old.map(o -> Math.max(0, p.rchar() - o.rchar())).orElse(p.rchar());
            written += old.map(o -> Math.max(0, p.wchar() - o.wchar())).orElse(p.wchar());
        }
        long perSecond = 1000 / INTERVAL_MS;
        List<Threat> threats = Detectors.detect(List.of(first, second), settings.orElse(defaults));
        return new Report(name, settings.isPresent(), instance.status(), second, read * perSecond, written * perSecond, threats);
    }
}
