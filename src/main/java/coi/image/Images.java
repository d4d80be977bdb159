package coi.image;

import coi.CoiException;
import coi.UsageException;
import coi.incus.IncusClient;
import coi.incus.IncusException;
import coi.incus.Model;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/** `coi image ...`: the images coi builds and uses, by alias. */
public final class Images {
    private final IncusClient incus;

    public Images(IncusClient incus) {
        this.incus = incus;
    }

    /** One row of `coi image list`. */
    public record Row(String alias, String fingerprint, String description, long size, String created, List<String> otherAliases) {}

    /**
     * Images by alias: those of coi (aliases starting with "coi") by default, every alias with
     * {@code all}, or those starting with {@code prefix}.
     */
    public List<Row> list(boolean all, String prefix) {
        List<Row> rows = new ArrayList<>();
        for (Model.Image image : incus.images()) {
            List<String> aliases = image.aliases().stream().map(Model.Image.Alias::name).sorted().toList();
            for (String alias : aliases) {
                boolean wanted = prefix != null ? alias.startsWith(prefix) : all || alias.startsWith("coi");
                if (!wanted) continue;
                rows.add(new Row(alias, image.fingerprint(), image.description(), image.size(), image.createdAt(),
                        aliases.stream().filter(a -> !a.equals(alias)).toList()));
            }
            if (aliases.isEmpty() && all && prefix == null) {
                rows.add(new Row("", image.fingerprint(), image.description(), image.size(), image.createdAt(), List.of()));
            }
        }
        rows.sort((a, b) -> a.alias().compareTo(b.alias()));
        return rows;
    }

    public boolean exists(String alias) {
        return incus.aliasExists(alias);
    }

    /** Publishes a stopped container as ALIAS (moving the alias if it exists); returns the fingerprint. */
    public String publish(String container, String alias, String description) {
        Model.Instance instance;
        try {
            instance = incus.instance(container);
        } catch (IncusException.NotFound e) {
            throw new CoiException("container " + container + " not found: `coi list` or `incus list` shows them");
        }
        if (instance.running()) {
            throw new CoiException("container " + container + " is running: stop it first (`coi container stop " + container + "`) so the image is consistent");
        }
        String fingerprint = incus.publish(container, null, description == null ? Map.of() : Map.of("description", description));
        pointAlias(alias, fingerprint);
        return fingerprint;
    }

    /** Creates ALIAS for the image, or moves it there when it already names another image. */
    public void pointAlias(String alias, String fingerprint) {
        if (incus.aliasExists(alias)) incus.deleteAlias(alias);
        incus.createAlias(alias, fingerprint, "");
    }

    /** Deletes the alias, and the image too when no other alias names it. */
    public void delete(String alias) {
        if (!incus.aliasExists(alias)) throw new CoiException("image '" + alias + "' not found: `coi image list --all` shows the aliases");
        Model.Image image = incus.imageByAlias(alias);
        incus.deleteAlias(alias);
        if (image.aliases().stream().allMatch(a -> a.name().equals(alias))) incus.deleteImage(image.fingerprint());
    }

    /** What `coi image cleanup` did: versioned aliases deleted and kept, newest first. */
    public record Cleanup(List<String> deleted, List<String> kept) {}

    /**
     * Keeps the newest {@code keep} versioned aliases of PREFIX, never the plain PREFIX. Counts
     * aliases, not images: versions that share one image are cleaned too (the image goes with its
     * last alias).
     */
    public Cleanup cleanup(String prefix, int keep) {
        if (keep < 1) throw new UsageException("--keep must be at least 1 (the newest build is always kept)");
        List<String> aliases = incus.imageAliases().stream().map(Model.ImageAlias::name).toList();
        List<String> removed = new ArrayList<>();
        List<String> beyond = Versions.beyondNewest(prefix, aliases, keep);
        for (String alias : beyond) {
            Model.Image image = incus.imageByAlias(alias);
            incus.deleteAlias(alias);
            Set<String> others = image.aliases().stream().map(Model.Image.Alias::name).filter(a -> !a.equals(alias))
                    .collect(Collectors.toSet());
            if (others.isEmpty()) incus.deleteImage(image.fingerprint());
            removed.add(alias);
        }
        List<String> kept = aliases.stream().filter(a -> Versions.isVersionOf(prefix, a) && !beyond.contains(a))
                .sorted(Comparator.reverseOrder()).toList();
        return new Cleanup(removed, kept);
    }
}
