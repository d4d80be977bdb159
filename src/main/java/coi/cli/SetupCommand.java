package coi.cli;

import coi.incus.IncusClient;
import coi.incus.Timeouts;
import coi.setup.LocalHost;
import coi.setup.Setup;
import coi.setup.SetupOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "setup", description = {
        "Make this Debian machine ready for coi (as root).",
        "Steps: bookworm-backports where needed, Incus and the tools coi uses, subordinate ids, the sudo",
        "rules for nft and the protected-view helper, the daemon (systemd or background), a bridge, a",
        "copy-on-write storage pool, the default profile, and your user in the Incus group.",
        "Each step looks first and does only what is missing: running it again changes nothing."})
final class SetupCommand implements Callable<Integer> {
    private final Context context;

    @Option(names = "--dry-run", description = "List the steps and what each would do; change nothing.")
    boolean dryRun;

    @Option(names = "--bridge", paramLabel = "NAME", defaultValue = SetupOptions.BRIDGE, description = "Bridge to create (default: ${DEFAULT-VALUE}).")
    String bridge;

    @Option(names = "--bridge-address", paramLabel = "CIDR", defaultValue = SetupOptions.BRIDGE_ADDRESS,
            description = "The bridge's IPv4 address and subnet (default: ${DEFAULT-VALUE}).")
    String bridgeAddress;

    @Option(names = "--pool", paramLabel = "NAME", defaultValue = SetupOptions.POOL, description = "Storage pool to create (default: ${DEFAULT-VALUE}).")
    String pool;

    @Option(names = "--pool-size", paramLabel = "SIZE", defaultValue = SetupOptions.POOL_SIZE,
            description = "Size of the pool's loop file (default: ${DEFAULT-VALUE}).")
    String poolSize;

    @Spec
    CommandSpec spec;

    SetupCommand(Context context) {
        this.context = context;
    }

    @Override
    public Integer call() {
        var out = spec.commandLine().getOut();
        Services services = context.services();
        Setup setup = setup(services, new SetupOptions(bridge, bridgeAddress, pool, poolSize, services.config().incus().group(),
                invokingUser(context), invokingIds(context)));
        if (dryRun) {
            for (Setup.Planned p : setup.plan()) Setup.line(out, p.probe().done() ? "ok" : "to do", p.name(), p.probe().detail());
            return 0;
        }
        int changed = setup.apply(out);
        out.println(changed == 0 ? "setup: nothing to do, this machine is ready" : "setup: ready (" + changed + (changed == 1 ? " step" : " steps") + " changed something)");
        out.flush();
        return 0;
    }

    /** Setup always works on this machine's daemon, whatever remote the user's commands go to. */
    static Setup setup(Services services, SetupOptions options) {
        Path socket = services.localSocket();
        IncusClient[] client = new IncusClient[1];
        return new Setup(new LocalHost(), () -> {
            if (client[0] == null) client[0] = IncusClient.local(socket, new Timeouts(Duration.ofSeconds(2), Duration.ofSeconds(60)));
            return client[0];
        }, options);
    }

    /** The ids of the user behind sudo (sudo's SUDO_UID, SUDO_GID), which their sessions map onto code; none for root. */
    static Optional<coi.setup.SubordinateIds.Ids> invokingIds(Context context) {
        try {
            int uid = Integer.parseInt(context.env().getOrDefault("SUDO_UID", "0").trim());
            int gid = Integer.parseInt(context.env().getOrDefault("SUDO_GID", "0").trim());
            return uid == 0 && gid == 0 ? Optional.empty() : Optional.of(new coi.setup.SubordinateIds.Ids(uid, gid));
        } catch (NumberFormatException notSudos) {
            return Optional.empty();
        }
    }

    /** The user behind sudo, who should be able to use Incus without it. */
    static Optional<String> invokingUser(Context context) {
        return Optional.ofNullable(context.env().get("SUDO_USER")).filter(u -> !u.isBlank() && !u.equals("root"));
    }
}
