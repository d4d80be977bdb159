package coi.setup;

import coi.incus.IncusClient;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;

/**
 * `coi setup`: a fresh Debian host to one that runs coi sessions, in steps that each look before
 * they act, so running it again changes nothing (and never restarts a daemon others use).
 */
public final class Setup {
    private final List<Step> steps;
    private final HostSystem host;

    public Setup(HostSystem host, Supplier<IncusClient> incus, SetupOptions options) {
        this.host = host;
        this.steps = List.of(
                new HostSteps.Backports(host),
                new HostSteps.Packages(host),
                new HostSteps.SubIds(host, options.ids()),
                new HostSteps.NftSudoRule(host, options.group()),
                new HostSteps.ViewSudoRule(host, options.group(), Path.of(System.getProperty("coi.launcher", "/usr/bin/coi"))),
                new HostSteps.Daemon(host, incus, options.group()),
                new IncusSteps.Bridge(incus, options),
                new IncusSteps.DhcpByMac(incus, options),
                new IncusSteps.Pool(incus, host, options),
                new IncusSteps.QuotaRescan(incus, host, options),
                new IncusSteps.Profile(incus, options),
                new HostSteps.Membership(host, options.group(), options.user()));
    }

    public record Planned(String name, Step.Probe probe) {}

    /** Every step and what it finds, changing nothing. */
    public List<Planned> plan() {
        return steps.stream().map(s -> new Planned(s.name(), s.probe())).toList();
    }

    /** Does what is missing, in order; returns how many steps changed something. */
    public int apply(PrintWriter out) {
        if (!host.root()) throw new SetupException("it installs packages and starts incusd: run it as root (sudo coi setup)");
        int changed = 0;
        for (Step step : steps) {
            Step.Probe before = step.probe();
            if (before.done()) {
                line(out, "ok", step.name(), before.detail());
                continue;
            }
            line(out, "do", step.name(), before.detail());
            step.apply();
            Step.Probe after = step.probe();
            if (!after.done()) throw new SetupException(step.name() + ": still not in place after " + before.detail() + ": " + after.detail());
            line(out, "done", step.name(), after.detail());
            changed++;
        }
        return changed;
    }

    public static void line(PrintWriter out, String state, String name, String detail) {
        out.printf("%-5s %-10s %s%n", state, name, detail);
        out.flush();
    }
}
