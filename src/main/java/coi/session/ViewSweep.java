package coi.session;

import coi.CoiException;
import coi.incus.IncusClient;
import coi.incus.Model;
import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Takes down the protected views that outlived their launch: a coi killed (`kill -9`) between
 * building its view and releasing it, whose container was then deleted by hand, leaves the view
 * mounted for good. A view is swept when its container is gone and no coi holds its lock (a
 * launch holds it from making the folder until the view is released, see {@link ProtectedView}),
 * both checked under the lock; a live session's view is never touched, nor a view under another
 * coi's container prefix (its containers may live in another Incus project). Its folder goes too,
 * only once empty: a folder that still holds files after the unmount is left alone, never
 * deleted with what it shows.
 */
final class ViewSweep {
    private final IncusClient incus;
    private final ProtectedView views;
    private final Path sessionsRoot;
    private final String prefix;

    ViewSweep(IncusClient incus, ProtectedView views, Path sessionsRoot, String prefix) {
        this.incus = incus;
        this.views = views;
        this.sessionsRoot = sessionsRoot;
        this.prefix = prefix;
    }

    /**
     * Sweeps every view but {@code self}'s (the launch's own, or null); returns the containers whose
     * view was still mounted and is now taken down. Never fails: a view that cannot be taken down is
     * a warning, and the next sweep tries again.
     */
    List<String> sweep(String self) {
        List<Path> candidates = candidates(self);
        List<String> takenDown = new ArrayList<>();
        if (candidates.isEmpty()) return takenDown;
        Set<String> live = incus.instancesWithoutState().stream().map(Model.Instance::name).collect(Collectors.toSet());
        for (Path view : candidates) {
            String container = view.getFileName().toString();
            if (live.contains(container)) continue;
            Optional<NameLock> free = ProtectedView.lock(view, false);
            if (free.isEmpty()) continue;
            try (NameLock lock = free.get()) {
                if (incus.findInstance(container).isPresent()) continue;
                if (ProtectedView.mounted(view)) {
                    views.remove(view);
                    takenDown.add(container);
                }
                Files.delete(view);
                Files.deleteIfExists(ViewlessStart.noteOf(view));
            } catch (DirectoryNotEmptyException e) {
                System.err.println("coi: warning: " + view + " is not empty after its view was taken down: left as it is");
            } catch (IOException | CoiException e) {
                System.err.println("coi: warning: cannot take down the stale view " + view + ": " + e.getMessage());
            }
        }
        return takenDown;
    }

    /** Folders under `<sessions>/views/` named like this coi's containers; a link there is no view of coi's and is left alone. */
    private List<Path> candidates(String self) {
        Path dir = sessionsRoot.resolve("views");
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) return List.of();
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.filter(v -> Files.isDirectory(v, LinkOption.NOFOLLOW_LINKS))
                    .filter(v -> v.getFileName().toString().startsWith(prefix) && !v.getFileName().toString().equals(self))
                    .sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }
}
