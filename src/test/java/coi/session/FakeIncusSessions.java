package coi.session;

import coi.config.Config;
import coi.config.ConfigFile;
import coi.config.ConfigLoader;
import coi.config.Overrides;
import coi.incus.FakeDaemon;
import coi.incus.IncusClient;
import coi.network.NetworkFence;
import coi.network.Nft;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** The session services wired to a stateful fake Incus on a real unix socket and an in-memory nft, run as root. */
abstract class FakeIncusSessions {
    static final String PREFIX = "coitest-unit-";

    @TempDir
    Path dir;
    FakeDaemon daemon;
    IncusClient incus;
    FakeNft nft;
    SessionStore store;
    Sessions sessions;
    Fencing fencing;
    Workspace ws;
    StringWriter printed = new StringWriter();

    /** nft as far as the fence uses it: which containers have rules. */
    static final class FakeNft implements Nft {
        private static final Pattern CONTAINER = Pattern.compile("add counter inet \\S+ (\\S+)\\.blocked");
        final Set<String> fenced = ConcurrentHashMap.newKeySet();
        /** Every container whose rules were installed (or replaced), in order. */
        final List<String> installed = new java.util.concurrent.CopyOnWriteArrayList<>();

        @Override
        public String run(String stdin, String... args) {
            if (String.join(" ", args).equals("-j list table inet coi")) {
                return fenced.stream().map(c -> "{\"chain\": {\"family\": \"inet\", \"table\": \"coi\", \"name\": \"" + c + ".fwd\"}}")
                        .collect(java.util.stream.Collectors.joining(", ", "{\"nftables\": [{\"metainfo\": {}}, ", "]}"));
            }
            Matcher m = CONTAINER.matcher(stdin);
            if (!m.find()) return "";
            if (stdin.contains("add rule")) {
                fenced.add(m.group(1));
                installed.add(m.group(1));
            }
            else fenced.remove(m.group(1));
            return "";
        }
    }

    @BeforeEach
    void start() throws Exception {
        daemon = FakeDaemon.start(dir).alias("coi");
        incus = daemon.client();
        nft = new FakeNft();
        store = new SessionStore(dir.resolve("sessions"));
        ws = new Workspace(Files.createDirectories(dir.resolve("project")));
        Sessions.Host host = new Sessions.Host(0, 0, Files.createDirectories(dir.resolve("home")), PREFIX, null);
        fencing = new Fencing(incus, new NetworkFence(nft));
        sessions = new Sessions(incus, store, host, new PrintWriter(printed, true), fencing, ProtectedView.onHost(0));
    }

    @AfterEach
    void stop() {
        incus.close();
        daemon.close();
    }

    Config config(String toml) throws Exception {
        Path file = Files.writeString(dir.resolve("config-" + System.nanoTime() + ".toml"),
                "[tool]\nname = \"fake\"\n[security]\nprotected_paths = []\n" + toml);
        return ConfigLoader.load(List.of(ConfigFile.optional(file)), Map.of(), dir.resolve("home"), Overrides.NONE);
    }

    Sessions.ShellRequest shell(Config config, Integer slot) {
        return new Sessions.ShellRequest(ws, config, slot, null, false, false, null, false);
    }
}
