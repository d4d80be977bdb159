package coi.image;

import coi.CoiException;
import coi.incus.IncusClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * `coi build`: the image AI agents live in. The base is Debian 12 from an Incus image server
 * when one is reachable, otherwise built here with debootstrap from the distribution mirror;
 * provision.sh then installs Node, the agents' CLIs, Docker, gh and the build tools in a
 * container from it, with the host's apt and npm caches mounted so rebuilds are cheap, and
 * quiet-boot.sh masks what a container's boot would run for nothing.
 */
public final class CoiImage {
    public static final String IMAGE_SERVER = "https://images.linuxcontainers.org";
    private static final String BASE_SCRIPT = "/coi/image/base-debootstrap.sh";
    private static final String PROVISION = "/coi/image/provision.sh";
    /** Run last: masks what a container's boot runs for nothing (see the script). */
    private static final String QUIET_BOOT = "/coi/image/quiet-boot.sh";

    /** Where the base comes from: decided by reachability, or forced. */
    public enum BaseSource { AUTO, SERVER, DEBOOTSTRAP }

    public record Options(String alias, boolean force, BaseSource source, Path cacheDir, String mirror) {}

    private final IncusClient incus;
    private final PrintWriter out;
    private final Path logDir;

    public CoiImage(IncusClient incus, PrintWriter out, Path logDir) {
        this.incus = incus;
        this.out = out;
        this.logDir = logDir;
    }

    /** A hash of everything that decides the image's content; part of its description. */
    public static String recipe() {
        return hash(BASE_SCRIPT, PROVISION, QUIET_BOOT);
    }

    /**
     * What the offline base is kept under (`coi-base-<this>`): the base script and provision.sh, as
     * before quiet-boot.sh came, so a change of a later step (quiet-boot.sh) rebuilds the image on
     * the base already there, without another debootstrap.
     */
    static String baseRecipe() {
        return hash(BASE_SCRIPT, PROVISION);
    }

    private static String hash(String... resources) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (String r : resources) sha.update(resource(r));
            return HexFormat.of().formatHex(sha.digest(), 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Builds the image; returns null when it exists and {@code force} is off (kept, and said so). */
    public Builder.Result build(Options o) {
        if (!o.force() && incus.aliasExists(o.alias())) {
            out.println("image " + o.alias() + " exists: kept (`coi build --force` rebuilds it)");
            out.flush();
            return null;
        }
        String recipe = recipe();
        String base;
        String server = null;
        if (useServer(o.source())) {
            base = "debian/12";
            server = IMAGE_SERVER;
        } else {
            base = localBase(o, baseRecipe());
        }
        Map<String, Map<String, String>> devices = new LinkedHashMap<>();
        devices.put("apt-cache", cacheMount(o.cacheDir().resolve("apt-archives"), "/var/cache/apt/archives"));
        devices.put("apt-lists", cacheMount(o.cacheDir().resolve("apt-lists"), "/var/lib/apt/lists"));
        devices.put("npm-cache", cacheMount(o.cacheDir().resolve("npm"), "/root/.npm"));
        return new Builder(incus, out, logDir).build(new Builder.Spec(o.alias(), base, server,
                List.of(new Builder.Script("provision.sh", resource(PROVISION)), new Builder.Script("quiet-boot.sh", resource(QUIET_BOOT))),
                Map.of("security.nesting", "true"), devices, hostCaCertificates(), Map.of(), "coi image (recipe " + recipe + ")"));
    }

    private boolean useServer(BaseSource source) {
        if (source == BaseSource.DEBOOTSTRAP) return false;
        if (source == BaseSource.SERVER) return true;
        // Only a name lookup: no traffic goes to the server unless its name resolves.
        try {
            InetAddress.getByName(URI.create(IMAGE_SERVER).getHost());
            return true;
        } catch (UnknownHostException e) {
            out.println("image server " + IMAGE_SERVER + " is not reachable: building the Debian 12 base locally with debootstrap");
            out.flush();
            return false;
        }
    }

    /** The debootstrap base, imported once per recipe as `coi-base-<recipe>` and reused. */
    private String localBase(Options o, String recipe) {
        String alias = "coi-base-" + recipe;
        if (incus.aliasExists(alias)) return alias;
        if (!"root".equals(System.getProperty("user.name"))) {
            throw new CoiException("building the offline base needs root (debootstrap and chroot): run `sudo coi build` once");
        }
        Path dir = o.cacheDir().resolve("base-" + recipe);
        try {
            if (!Files.isRegularFile(dir.resolve("rootfs.tar.gz"))) {
                Files.createDirectories(dir);
                Path script = Files.createTempFile("coi-base", ".sh");
                Files.write(script, resource(BASE_SCRIPT));
                out.println("==> debootstrap Debian 12 base from " + o.mirror() + " (log: " + dir.resolve("base.log") + ")");
                out.flush();
                ProcessBuilder pb = new ProcessBuilder("bash", script.toString(), dir.toString(), o.mirror(), "bookworm")
                        .redirectErrorStream(true).redirectOutput(dir.resolve("base.log").toFile());
                pb.environment().put("DEBOOTSTRAP_CACHE", o.cacheDir().resolve("debootstrap").toString());
                Process p = pb.start();
                boolean done = p.waitFor(30, TimeUnit.MINUTES);
                Files.deleteIfExists(script);
                if (!done || p.exitValue() != 0) {
                    p.destroyForcibly();
                    throw new CoiException("building the Debian base failed: see " + dir.resolve("base.log"));
                }
            }
            out.println("==> importing base image " + alias);
            out.flush();
            incus.importImage(dir.resolve("meta.tar.gz"), dir.resolve("rootfs.tar.gz"), alias, Map.of("description", "coi base (debootstrap, recipe " + recipe + ")"));
            return alias;
        } catch (IOException e) {
            throw new CoiException("cannot build the base image in " + dir + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CoiException("interrupted while building the base image");
        }
    }

    /**
     * The host's own extra CA certificates: where a TLS-inspecting proxy sits between this host
     * and the registries, the build container needs them to download anything. provision.sh
     * trusts whatever it finds in /usr/local/share/ca-certificates.
     */
    private static Map<String, byte[]> hostCaCertificates() {
        Map<String, byte[]> files = new LinkedHashMap<>();
        Path dir = Path.of("/usr/local/share/ca-certificates");
        if (!Files.isDirectory(dir)) return files;
        try (var list = Files.walk(dir)) {
            for (Path crt : list.filter(p -> p.toString().endsWith(".crt") && Files.isRegularFile(p)).toList()) {
                files.put("/usr/local/share/ca-certificates/" + dir.relativize(crt).toString().replace('/', '-'), Files.readAllBytes(crt));
            }
        } catch (IOException e) {
            throw new CoiException("cannot read the host's CA certificates in " + dir + ": " + e.getMessage(), e);
        }
        return files;
    }

    private static Map<String, String> cacheMount(Path host, String path) {
        try {
            Files.createDirectories(host);
        } catch (IOException e) {
            throw new CoiException("cannot create the build cache " + host + ": " + e.getMessage(), e);
        }
        return Map.of("type", "disk", "source", host.toString(), "path", path, "shift", "true");
    }

    static byte[] resource(String name) {
        try (InputStream in = CoiImage.class.getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException("resource " + name + " is missing from the coi build");
            return in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The distribution mirror this host uses (Debian's deb822 sources), for the offline base. */
    public static String hostMirror() {
        try {
            for (String line : Files.readAllLines(Path.of("/etc/apt/sources.list.d/debian.sources"))) {
                if (line.startsWith("URIs:")) return line.substring(5).trim().split("\\s+")[0];
            }
        } catch (IOException noDebianSources) {
            // not a deb822 Debian host: the default mirror below
        }
        return "http://deb.debian.org/debian";
    }
}
