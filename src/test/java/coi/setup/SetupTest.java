package coi.setup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import coi.incus.IncusClient;
import coi.incus.Timeouts;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The host steps' decisions on a fake machine (a folder as its root, commands recorded). The
 * Incus steps need the daemon: SetupIT runs them against the real one.
 */
class SetupTest {
    @TempDir
    Path root;
    FakeHost host;

    class FakeHost implements HostSystem {
        final List<String> ran = new ArrayList<>();

        public Path file(String path) {
            return root.resolve(path.substring(1));
        }

        public Result run(List<String> argv) {
            ran.add(String.join(" ", argv));
            if (argv.getFirst().equals("mv")) {
                try {
                    Files.move(Path.of(argv.get(1)), Path.of(argv.get(2)));
                } catch (IOException e) {
                    return new Result(1, e.toString());
                }
            }
            return new Result(0, "");
        }

        public void spawn(List<String> argv, Path log) {
            ran.add("spawn " + String.join(" ", argv));
        }

        public boolean root() {
            return true;
        }

        public boolean systemd() {
            return false;
        }

        void install(String... commands) throws IOException {
            for (String c : commands) {
                Path p = file("/usr/bin/" + c);
                Files.createDirectories(p.getParent());
                Files.writeString(p, "");
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
            }
        }
    }

    @BeforeEach
    void bookworm() {
        host = new FakeHost();
        host.write("/etc/os-release", "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nVERSION_CODENAME=bookworm\n");
        host.write("/etc/apt/sources.list.d/debian.sources",
                "Types: deb\nURIs: http://mirror.example/debian\nSuites: bookworm\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n");
    }

    @Test
    void aFreshBookwormNeedsBackportsPackagesIdsAndTheRule() {
        assertThat(new HostSteps.Backports(host).probe())
                .isEqualTo(Step.Probe.todo("enable bookworm-backports in /etc/apt/sources.list.d/coi-backports.sources"));
        assertThat(new HostSteps.Packages(host).probe().detail())
                .isEqualTo("apt-get install incus btrfs-progs debootstrap nftables sudo (incus from bookworm-backports)");
        assertThat(new HostSteps.SubIds(host).probe().done()).isFalse();
        assertThat(new HostSteps.NftSudoRule(host, "incus-admin").probe().done()).isFalse();
        assertThat(host.ran).as("probes only look").isEmpty();
    }

    @Test
    void backportsTakesTheMirrorAndKeyringOfDebiansSources() {
        Step step = new HostSteps.Backports(host);
        step.apply();

        assertThat(host.read(HostSteps.BACKPORTS_FILE)).isEqualTo("Types: deb\nURIs: http://mirror.example/debian\nSuites: bookworm-backports\n"
                + "Components: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n");
        assertThat(step.probe().done()).isTrue();
    }

    @Test
    void packagesInstallsOnlyWhatIsMissingAndIncusFromBackports() throws IOException {
        host.install("nft", "visudo");

        new HostSteps.Packages(host).apply();

        assertThat(host.ran).containsExactly("apt-get update -qq", "apt-get install -y -qq btrfs-progs debootstrap",
                "apt-get install -y -qq -t bookworm-backports incus");
    }

    @Test
    void subIdsAreAddedOnceAndOtherLinesKept() {
        host.write("/etc/subuid", "alice:100000:65536");
        Step step = new HostSteps.SubIds(host);
        step.apply();
        step.apply();

        assertThat(host.read("/etc/subuid")).isEqualTo("alice:100000:65536\nroot:1000000:1000000000\n");
        assertThat(host.read("/etc/subgid")).isEqualTo("root:1000000:1000000000\n");
        assertThat(step.probe().done()).isTrue();
    }

    /** `sudo coi setup` by uid 1000: root also holds that user's own ids, which its sessions' raw.idmap maps onto code. */
    @Test
    void theInvokingUsersIdsAreDelegatedToRootOnce() {
        host.write("/etc/subuid", "root:1000000:1000000000\n");
        host.write("/etc/subgid", "root:1000000:1000000000\nroot:1001:1\n");
        Step step = new HostSteps.SubIds(host, Optional.of(new SubordinateIds.Ids(1000, 1001)));
        assertThat(step.probe()).isEqualTo(Step.Probe.todo("add root:1000:1 to /etc/subuid"));
        step.apply();
        step.apply();

        assertThat(host.read("/etc/subuid")).isEqualTo("root:1000000:1000000000\nroot:1000:1\n");
        assertThat(host.read("/etc/subgid")).as("gid 1001 was held already").isEqualTo("root:1000000:1000000000\nroot:1001:1\n");
        assertThat(step.probe().done()).isTrue();
        assertThat(step.probe().detail()).contains("holds uid 1000 and gid 1001");
    }

    @Test
    void theSudoRuleIsCheckedByVisudoBeforeItIsPutInPlace() throws IOException {
        host.install("nft");
        Step step = new HostSteps.NftSudoRule(host, "incus-admin");
        step.apply();

        assertThat(host.read(HostSteps.SUDO_RULE)).isEqualTo("%incus-admin ALL=(root) NOPASSWD: /usr/bin/nft\n");
        assertThat(host.ran.get(1)).startsWith("visudo -cf ").endsWith("coi-nft.coi-tmp");
        assertThat(step.probe().done()).isTrue();
    }

    @Test
    void theViewRuleNamesOnlyCoisViewHelperAndIsCheckedByVisudo() {
        Step step = new HostSteps.ViewSudoRule(host, "incus-admin", Path.of("/usr/lib/coi/bin/coi"));
        assertThat(step.probe()).isEqualTo(Step.Probe.todo("write /etc/sudoers.d/coi-view: %incus-admin ALL=(root) NOPASSWD: /usr/lib/coi/bin/coi __view *"));
        assertThat(host.ran).as("the probe only looks").isEmpty();
        step.apply();

        assertThat(host.read(HostSteps.VIEW_RULE)).isEqualTo("%incus-admin ALL=(root) NOPASSWD: /usr/lib/coi/bin/coi __view *\n");
        assertThat(host.ran.get(1)).startsWith("visudo -cf ").endsWith("coi-view.coi-tmp");
        assertThat(step.probe().done()).isTrue();
    }

    @Test
    void theInvokingUserJoinsTheGroupOnce() {
        host.write("/etc/group", "incus-admin:x:990:\n");
        Step step = new HostSteps.Membership(host, "incus-admin", Optional.of("alice"));
        assertThat(step.probe()).isEqualTo(Step.Probe.todo("usermod -aG incus-admin alice (effective at the next login)"));
        step.apply();
        assertThat(host.ran).containsExactly("usermod -aG incus-admin alice");

        host.write("/etc/group", "incus-admin:x:990:bob,alice\n");
        assertThat(step.probe().done()).isTrue();
        assertThat(new HostSteps.Membership(host, "incus-admin", Optional.empty()).probe().done()).isTrue();
    }

    @Test
    void withoutSystemdTheDaemonIsStartedInTheBackgroundAndAwaited(@TempDir Path dir) {
        try (IncusClient nowhere = IncusClient.local(dir.resolve("no.socket"), new Timeouts(Duration.ofMillis(200), Duration.ofMillis(200)))) {
            Step step = new HostSteps.Daemon(host, () -> nowhere, "incus-admin");
            assertThat(step.probe()).isEqualTo(Step.Probe.todo("start incusd in the background (log /var/log/incus/incusd.log)"));
        }
    }

    @Test
    void applyingNeedsRoot(@TempDir Path dir) {
        FakeHost user = new FakeHost() {
            @Override
            public boolean root() {
                return false;
            }
        };
        Setup setup = new Setup(user, () -> IncusClient.local(dir.resolve("no.socket")), new SetupOptions("br", "10.0.0.1/24", "p", "1GiB", "g", Optional.empty(), Optional.empty()));

        assertThatThrownBy(() -> setup.apply(new PrintWriter(new StringWriter())))
                .hasMessage("setup: it installs packages and starts incusd: run it as root (sudo coi setup)");
        assertThat(user.ran).isEmpty();
    }
}
