package coi.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import coi.incus.IncusClient;
import coi.incus.InstanceSpec;
import coi.incus.Model;
import coi.incus.Retries;
import coi.testing.CoiProcess;
import coi.testing.Sandbox;
import coi.testing.TestIncus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The .deb that scripts/package built, installed with apt into a fresh Debian 12 container (the
 * test base: no JDK, no Incus), used there as a user would, then removed.
 */
@Tag("incus")
class PackageIT {

    @Test
    void installsWithAptAndWorksWithoutAJdk() throws Exception {
        Path deb = builtPackage();
        String version = deb.getFileName().toString().split("_")[1];
        String name = Sandbox.PREFIX + "deb-" + UUID.randomUUID().toString().substring(0, 6);
        try (IncusClient incus = TestIncus.client()) {
            incus.createInstance(InstanceSpec.of(name, TestIncus.baseImage()).withStart(true));
            try {
                assertThat(incus.awaitIpv4(name, Duration.ofSeconds(60))).as("DHCP lease in " + name).isPresent();
                incus.files(name).push(deb, "/tmp/coi.deb", 0, 0, 0644);

                long start = System.nanoTime();
                ok(incus, name, "export DEBIAN_FRONTEND=noninteractive; apt-get update -qq && "
                        + "apt-get install -y -qq /tmp/coi.deb man-db bash-completion > /tmp/apt.log 2>&1 || { tail -30 /tmp/apt.log; exit 1; }");
                System.out.printf("apt-get install of %s (with man-db, bash-completion and the recommends) took %d s%n",
                        deb.getFileName(), Duration.ofNanos(System.nanoTime() - start).toSeconds());

                assertThat(ok(incus, name, "command -v java || echo no java")).isEqualTo("no java\n");
                assertThat(ok(incus, name, "su code -c 'coi --version'")).isEqualTo("coi version " + version + "\n");
                assertThat(ok(incus, name, "su code -c 'coi --help'")).startsWith("Usage: coi ").contains("setup", "shell", "--remote");
                assertThat(ok(incus, name, "MANPAGER=cat MANWIDTH=100 man coi 2>&1"))
                        .contains("COI(1)", "coi setup", "coi shell", "--remote NAME", "COI_INCUS_TIMEOUT");
                // bash-completion's own loader finds the script in its standard place
                assertThat(ok(incus, name, "bash -c 'source /usr/share/bash-completion/bash_completion; _completion_loader coi; complete -p coi; "
                        + "COMP_WORDS=(coi se); COMP_CWORD=1; COMP_LINE=\"coi se\"; COMP_POINT=6; _complete_coi coi se coi 2>/dev/null; "
                        + "printf \"%s\\n\" \"${COMPREPLY[@]}\"'"))
                        .isEqualTo("complete -o default -F _complete_coi coi\nsetup\n");
                assertThat(ok(incus, name, "ls /usr/share/zsh/vendor-completions/_coi /usr/share/fish/vendor_completions.d/coi.fish"))
                        .hasLineCount(2);
                // the supervisor's native waiter is there and links on a machine without a compiler (run without arguments it says its usage)
                assertThat(ok(incus, name, "/usr/lib/coi/coi-waiter 2>&1; echo exit $?")).startsWith("usage: coi-waiter SOCKET").endsWith("exit 2\n");
                // the unix socket library loads in the packaged runtime (a failed load is said under COI_TRACE=1), and
                // a daemon that is not there is said as before
                assertThat(ok(incus, name, "su code -c 'COI_TRACE=1 coi list 2>&1; echo exit $?'"))
                        .doesNotContain("library not loaded").contains("Incus is not reachable at /var/lib/incus/unix.socket").endsWith("exit 1\n");
                // the AOT caches trained at packaging time (all commands; container exists|running; run and shell) are valid where dpkg put them
                for (String cache : new String[] {"/usr/lib/coi/coi.aot", "/usr/lib/coi/coi-quick.aot", "/usr/lib/coi/coi-session.aot"}) {
                    assertThat(ok(incus, name, "cd /tmp && /usr/lib/coi/runtime/bin/java $(sed -n 's/^COI_JVM_FLAGS=\"\\(.*\\)\"$/\\1/p' /usr/lib/coi/bin/coi) "
                            + "-XX:AOTCache=" + cache + " -Xlog:aot -cp /usr/lib/coi/coi.jar coi.Main --version"))
                            .contains("Opened AOT cache " + cache).doesNotContain("[error]").doesNotContain("[warning]");
                }

                String dryRun = ok(incus, name, "coi setup --dry-run");
                assertThat(dryRun.lines().map(l -> l.split("\\s+")[l.startsWith("to do") ? 2 : 1]).toList())
                        .containsExactly("backports", "packages", "subids", "nft-sudo", "view-sudo", "daemon", "bridge", "dhcp", "storage", "quotas", "profile", "group");
                assertThat(dryRun).contains("to do backports  enable bookworm-backports", "to do daemon", "to do bridge     create bridge incusbr0");

                ok(incus, name, "su code -c 'mkdir -p ~/.coi && echo kept > ~/.coi/marker' && apt-get remove -y -qq coi > /dev/null 2>&1");
                assertThat(ok(incus, name, "test ! -e /usr/bin/coi && test ! -e /usr/lib/coi/coi.jar && cat /home/code/.coi/marker")).isEqualTo("kept\n");
            } finally {
                Retries.delete(incus, name);
            }
        }
    }

    private static Path builtPackage() throws Exception {
        try (Stream<Path> files = Files.list(CoiProcess.home().resolve("target"))) {
            List<Path> debs = files.filter(p -> p.getFileName().toString().matches("coi_.*_amd64\\.deb")).toList();
            assertThat(debs).as("target/coi_<version>_amd64.deb: run scripts/package first (.ci/run does)").hasSize(1);
            return debs.getFirst();
        }
    }

    /** Runs a script as root in the container; fails the test unless it exits 0. Returns its stdout. */
    private static String ok(IncusClient incus, String name, String script) {
        Model.ExecResult r = incus.sh(name, script);
        assertThat(r.exitCode()).as("%s\nstdout: %s\nstderr: %s", script, r.out(), r.err()).isZero();
        return r.out();
    }
}
