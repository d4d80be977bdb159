package coi.setup;

import coi.incus.IncusClient;
import coi.incus.IncusException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/** The steps on the machine itself: packages, id ranges, the nft sudo rule, the daemon, group membership. */
final class HostSteps {
    /** What coi needs on the host, by the command that shows it is installed. */
    static final List<String[]> PACKAGES = List.of(
            new String[] {"incus", "incus"},
            new String[] {"btrfs-progs", "mkfs.btrfs"},
            new String[] {"debootstrap", "debootstrap"},
            new String[] {"nftables", "nft"},
            new String[] {"sudo", "visudo"});
    static final String BACKPORTS_FILE = "/etc/apt/sources.list.d/coi-backports.sources";
    static final String SUDO_RULE = "/etc/sudoers.d/coi-nft";
    static final String VIEW_RULE = "/etc/sudoers.d/coi-view";
    static final String ID_RANGE = "root:1000000:1000000000";

    private HostSteps() {}

    private static String codename(HostSystem host) {
        return host.read("/etc/os-release").lines().filter(l -> l.startsWith("VERSION_CODENAME="))
                .map(l -> l.substring(l.indexOf('=') + 1).replace("\"", "")).findFirst().orElse("");
    }

    /** Incus 6.0 LTS is in Debian 12 only through bookworm-backports; later releases have it in main. */
    record Backports(HostSystem host) implements Step {
        public String name() { return "backports"; }

        public Probe probe() {
            if (host.which("incus").isPresent()) return Probe.done("incus is installed");
            if (!codename(host).equals("bookworm")) return Probe.done("not needed on " + (codename(host).isEmpty() ? "this release" : codename(host)));
            String sources = host.read("/etc/apt/sources.list") + host.read(BACKPORTS_FILE) + host.read("/etc/apt/sources.list.d/debian.sources");
            if (sources.contains("bookworm-backports")) return Probe.done("bookworm-backports is enabled");
            return Probe.todo("enable bookworm-backports in " + BACKPORTS_FILE);
        }

        public void apply() {
            String debian = host.read("/etc/apt/sources.list.d/debian.sources");
            String uri = field(debian, "URIs:", "http://deb.debian.org/debian");
            String keyring = field(debian, "Signed-By:", "/usr/share/keyrings/debian-archive-keyring.gpg");
            host.write(BACKPORTS_FILE, "Types: deb\nURIs: " + uri + "\nSuites: bookworm-backports\nComponents: main\nSigned-By: " + keyring + "\n");
        }

        private static String field(String deb822, String name, String fallback) {
            return deb822.lines().filter(l -> l.startsWith(name)).map(l -> l.substring(name.length()).trim().split("\\s+")[0])
                    .findFirst().orElse(fallback);
        }
    }

    record Packages(HostSystem host) implements Step {
        public String name() { return "packages"; }

        private List<String> missing() {
            return PACKAGES.stream().filter(p -> host.which(p[1]).isEmpty()).map(p -> p[0]).toList();
        }

        public Probe probe() {
            List<String> missing = missing();
            if (missing.isEmpty()) return Probe.done("incus, btrfs-progs, debootstrap, nftables and sudo are installed");
            return Probe.todo("apt-get install " + String.join(" ", missing) + (missing.contains("incus") && codename(host).equals("bookworm")
                    ? " (incus from bookworm-backports)" : ""));
        }

        public void apply() {
            List<String> missing = missing();
            must(host, "apt-get", "update", "-qq");
            List<String> plain = missing.stream().filter(p -> !p.equals("incus")).toList();
            if (!plain.isEmpty()) must(host, concat(List.of("apt-get", "install", "-y", "-qq"), plain));
            if (missing.contains("incus")) {
                must(host, codename(host).equals("bookworm")
                        ? List.of("apt-get", "install", "-y", "-qq", "-t", "bookworm-backports", "incus")
                        : List.of("apt-get", "install", "-y", "-qq", "incus"));
            }
        }
    }

    /**
     * Unprivileged containers need a range of host ids for root; shadow's files may be empty. The
     * user who ran `sudo coi setup` (sudo's SUDO_UID and SUDO_GID) also needs root to hold their
     * own uid and gid (one id each), which their sessions' raw.idmap maps onto code (see {@link SubordinateIds}).
     */
    record SubIds(HostSystem host, Optional<SubordinateIds.Ids> user) implements Step {
        SubIds(HostSystem host) {
            this(host, Optional.empty());
        }

        public String name() { return "subids"; }

        /** Per file, the lines to add: root's range, and the invoking user's own id. */
        private Map<String, List<String>> missing() {
            Map<String, List<String>> missing = new LinkedHashMap<>();
            String[] files = {"/etc/subuid", "/etc/subgid"};
            for (int i = 0; i < files.length; i++) {
                String content = host.read(files[i]);
                List<String> lines = new ArrayList<>();
                if (!SubordinateIds.rootHasRange(content)) lines.add(ID_RANGE);
                if (user.isPresent()) {
                    int id = i == 0 ? user.get().uid() : user.get().gid();
                    if (!SubordinateIds.delegated(content, id)) lines.add(SubordinateIds.line(id));
                }
                if (!lines.isEmpty()) missing.put(files[i], lines);
            }
            return missing;
        }

        public Probe probe() {
            Map<String, List<String>> missing = missing();
            if (missing.isEmpty()) {
                return Probe.done("root has subordinate uid and gid ranges"
                        + user.map(u -> ", and holds uid " + u.uid() + " and gid " + u.gid() + " (yours, mapped onto code)").orElse(""));
            }
            StringBuilder todo = new StringBuilder();
            missing.forEach((f, lines) -> todo.append(todo.isEmpty() ? "add " : "; add ").append(String.join(" and ", lines)).append(" to ").append(f));
            return Probe.todo(todo.toString());
        }

        public void apply() {
            missing().forEach((f, lines) -> {
                String current = host.read(f);
                host.write(f, current + (current.isEmpty() || current.endsWith("\n") ? "" : "\n") + String.join("\n", lines) + "\n");
            });
        }
    }

    /**
     * coi fences a session's network with host nftables rules; a non-root member of the Incus
     * group runs exactly `nft` through sudo for that, nothing else.
     */
    record NftSudoRule(HostSystem host, String group) implements Step {
        public String name() { return "nft-sudo"; }

        private String rule() {
            return "%" + group + " ALL=(root) NOPASSWD: " + host.which("nft").map(Path::toString).orElse("/usr/sbin/nft") + "\n";
        }

        public Probe probe() {
            if (host.read(SUDO_RULE).equals(rule())) return Probe.done(SUDO_RULE + " lets " + group + " run nft");
            return Probe.todo("write " + SUDO_RULE + ": " + rule().strip());
        }

        public void apply() {
            installRule(host, SUDO_RULE, rule());
        }
    }

    /** A sudoers file, put in place only after visudo accepted it. */
    private static void installRule(HostSystem host, String file, String rule) {
        String tmp = file + ".coi-tmp";
        host.write(tmp, rule);
        must(host, "chmod", "440", host.file(tmp).toString());
        HostSystem.Result check = host.run(List.of("visudo", "-cf", host.file(tmp).toString()));
        if (!check.ok()) {
            host.run(List.of("rm", "-f", host.file(tmp).toString()));
            throw new SetupException("visudo refused " + file + ": " + check.out().strip());
        }
        must(host, "mv", host.file(tmp).toString(), host.file(file).toString());
    }

    /**
     * Protected paths are locked only by mounts made on the host before the container starts; a
     * non-root member of the Incus group runs exactly coi's checking view helper (`coi __view`,
     * see coi.session.ViewHelper) through sudo for that, never a general mount.
     */
    record ViewSudoRule(HostSystem host, String group, Path launcher) implements Step {
        public String name() { return "view-sudo"; }

        private String rule() {
            return "%" + group + " ALL=(root) NOPASSWD: " + launcher + " __view *\n";
        }

        public Probe probe() {
            if (host.read(VIEW_RULE).equals(rule())) return Probe.done(VIEW_RULE + " lets " + group + " run " + launcher + " __view");
            return Probe.todo("write " + VIEW_RULE + ": " + rule().strip());
        }

        public void apply() {
            installRule(host, VIEW_RULE, rule());
        }
    }

    /** incusd: a systemd service where systemd runs, a background process otherwise. */
    record Daemon(HostSystem host, Supplier<IncusClient> incus, String group) implements Step {
        public String name() { return "daemon"; }

        private boolean ready() {
            try {
                incus.get().server();
                return true;
            } catch (IncusException e) {
                return false;
            }
        }

        public Probe probe() {
            if (ready()) return Probe.done("incusd answers at " + incus.get().address());
            return Probe.todo(host.systemd() ? "systemctl enable --now incus.socket incus.service"
                    : "start incusd in the background (log /var/log/incus/incusd.log)");
        }

        public void apply() {
            if (host.systemd()) {
                must(host, "systemctl", "enable", "--now", "incus.socket", "incus.service");
            } else {
                host.spawn(List.of("/usr/libexec/incus/incusd", "--group", group, "--logfile", "/var/log/incus/incusd.log"),
                        Path.of("/var/log/incus/incusd.out"));
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!ready()) {
                if (System.nanoTime() > deadline) throw new SetupException("incusd did not answer within 60 s: see /var/log/incus/incusd.log");
                try {
                    Thread.sleep(250);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new SetupException("interrupted while waiting for incusd");
                }
            }
        }
    }

    /** The user who ran `sudo coi setup` may use Incus without sudo from their next login. */
    record Membership(HostSystem host, String group, Optional<String> user) implements Step {
        public String name() { return "group"; }

        public Probe probe() {
            if (user.isEmpty()) return Probe.done("no user to add (run through sudo to add yours to " + group + ")");
            boolean member = host.read("/etc/group").lines().map(l -> l.split(":", -1))
                    .anyMatch(f -> f.length == 4 && f[0].equals(group) && Arrays.asList(f[3].split(",")).contains(user.get()));
            return member ? Probe.done(user.get() + " is in " + group) : Probe.todo("usermod -aG " + group + " " + user.get() + " (effective at the next login)");
        }

        public void apply() {
            must(host, "usermod", "-aG", group, user.orElseThrow());
        }
    }

    static void must(HostSystem host, String... argv) {
        must(host, List.of(argv));
    }

    static void must(HostSystem host, List<String> argv) {
        HostSystem.Result r = host.run(argv);
        if (!r.ok()) {
            String out = r.out().strip();
            throw new SetupException(String.join(" ", argv) + " failed (exit " + r.code() + ")"
                    + (out.isEmpty() ? "" : ": " + out.lines().reduce((a, b) -> b).orElse("")));
        }
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }
}
