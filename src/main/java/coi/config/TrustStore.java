package coi.config;

import coi.AtomicFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.tomlj.Toml;

/**
 * `~/.coi/trust.toml`: the project config files the user has vouched for, each by path AND the
 * sha256 of the exact content they read, so that a file changed since (by the agent of the last
 * session, by a pull) is untrusted again. Lives under the home, never under a configurable
 * folder: the files it judges must not be able to move it.
 */
public final class TrustStore {
    /** One trusted file: its absolute path, content hash and when the user trusted it. */
    public record Entry(String path, String sha256, String trustedAt) {}

    private final Path file;

    private TrustStore(Path file) {
        this.file = file;
    }

    public static TrustStore of(Path home) {
        return new TrustStore(home.resolve(".coi/trust.toml"));
    }

    public Path file() {
        return file;
    }

    public static String sha256(byte[] content) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    public boolean trusts(Path path, String sha256) {
        return entries().stream().anyMatch(e -> e.path().equals(path.toString()) && e.sha256().equals(sha256));
    }

    public List<Entry> entries() {
        if (!Files.exists(file)) return List.of();
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new ConfigException("cannot read " + file + ": " + e.getMessage(), e);
        }
        String fix = " (fix it, or delete the file and trust your projects again)";
        TomlTree.Table toml = TomlTree.parse(file, text, fix);
        var entries = new ArrayList<Entry>();
        if (toml.get("file") == null) return entries;
        if (!(toml.get("file") instanceof TomlTree.Array files)) throw new ConfigException(Section.at(file, toml.keyAt("file")) + "'file' must be [[file]] tables" + fix);
        for (int i = 0; i < files.size(); i++) {
            if (!(files.get(i) instanceof TomlTree.Table t) || !(t.get("path") instanceof String path) || !(t.get("sha256") instanceof String sha)) {
                throw new ConfigException(Section.at(file, files.positionOf(i)) + "each [[file]] needs a path and a sha256 string" + fix);
            }
            entries.add(new Entry(path, sha, t.get("trusted_at") instanceof String at ? at : ""));
        }
        return entries;
    }

    /** Records this exact content of {@code path} as trusted, replacing what was trusted for it before. */
    public void trust(Path path, String sha256) {
        var entries = new ArrayList<>(without(path));
        entries.add(new Entry(path.toString(), sha256, OffsetDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.SECONDS).toString()));
        write(entries);
    }

    /** @return whether {@code path} was trusted */
    public boolean untrust(Path path) {
        List<Entry> kept = without(path);
        if (kept.size() == entries().size()) return false;
        write(kept);
        return true;
    }

    private List<Entry> without(Path path) {
        return entries().stream().filter(e -> !e.path().equals(path.toString())).toList();
    }

    private void write(List<Entry> entries) {
        var text = new StringBuilder("# Project config files trusted with `coi trust`: a changed file is untrusted again.\n");
        for (Entry e : entries) {
            text.append("\n[[file]]\npath = \"").append(Toml.tomlEscape(e.path())).append("\"\nsha256 = \"").append(e.sha256())
                    .append("\"\ntrusted_at = \"").append(e.trustedAt()).append("\"\n");
        }
        try {
            AtomicFile.write(file, text.toString().getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new ConfigException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
