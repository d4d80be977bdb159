package coi.network;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DnsmasqLeasesTest {

    @Test
    void theAddressColumnOfIpv4LeasesIsReadAndNothingElse() throws Exception {
        String file = """
                1796656585 00:16:3e:12:34:57 10.147.83.67 coi ff:d5:7b:18:2d:00:02:00:00:ab:11:a4:35:a9:a0:ba:aa:e5:f3
                1796658087 00:16:3e:aa:bb:01 10.147.83.211 * *
                duid 00:01:00:01:2c:00:00:01:00:16:3e:00:00:01
                1796658087 1234 fd42::5 host 00:02:00:00:ab:11
                1796658087 00:16:3e:aa:bb:02 localhost 10.147.83.9 *
                1796658087 00:16:3e:aa:bb:03 10.147.83.300 x *
                1796658087 00:16:3e:aa:bb:04 010.147.83.12 x *
                truncated line
                """;
        assertThat(DnsmasqLeases.parse(file)).containsExactlyInAnyOrder(
                (java.net.Inet4Address) InetAddress.getByName("10.147.83.67"), (java.net.Inet4Address) InetAddress.getByName("10.147.83.211"));
    }

    @Test
    void theFileIsBesideALocalDaemonsSocketAndAbsentForARemoteOne(@TempDir Path dir) throws Exception {
        assertThat(DnsmasqLeases.file("/var/lib/incus/unix.socket", "incusbr0")).contains(Path.of("/var/lib/incus/networks/incusbr0/dnsmasq.leases"));
        assertThat(DnsmasqLeases.file("https://incus.example:8443", "incusbr0")).isEmpty();
        assertThat(DnsmasqLeases.file("/var/lib/incus/unix.socket", "../../etc")).isEmpty();
        assertThat(DnsmasqLeases.read(dir.resolve("missing"))).isEmpty();
        assertThat(DnsmasqLeases.read(Files.createDirectory(dir.resolve("a-folder")))).isEmpty();
        Path leases = Files.writeString(dir.resolve("dnsmasq.leases"), "1 00:16:3e:aa:bb:01 10.0.0.7 * *\n");
        assertThat(DnsmasqLeases.read(leases)).containsExactly((java.net.Inet4Address) InetAddress.getByName("10.0.0.7"));
    }
}
