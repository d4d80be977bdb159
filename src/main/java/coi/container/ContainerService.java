package coi.container;

import coi.CoiException;
import coi.UsageException;
import coi.incus.ExecRequest;
import coi.incus.IncusClient;
import coi.incus.IncusException;
import coi.incus.InstanceFiles;
import coi.incus.InstanceSpec;
import coi.incus.Model;
import coi.incus.Retries;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** The low-level `coi container` and `coi file` operations, with errors that say what to do. */
public final class ContainerService {
    private static final Pattern NAME = Pattern.compile("[a-zA-Z][a-zA-Z0-9-]{0,62}");
    private final IncusClient incus;

    public ContainerService(IncusClient incus) {
        this.incus = incus;
    }

    public static void checkName(String name) {
        if (!NAME.matcher(name).matches() || name.endsWith("-")) {
            throw new UsageException("invalid container name '" + name
                    + "': use letters, digits and dashes, starting with a letter, at most 63 characters");
        }
    }

    public void launch(String image, String name, boolean ephemeral, String pool) {
        checkName(name);
        if (!incus.aliasExists(image) && !image.matches("[0-9a-f]{12,64}")) {
            throw new CoiException("image '" + image + "' not found: `coi image list` shows the images; `coi build` makes the default one");
        }
        if (incus.instanceExists(name)) throw new CoiException("container " + name + " already exists: pick another name or `coi container delete " + name + " --force`");
        Map<String, Map<String, String>> devices = new LinkedHashMap<>();
        if (pool != null) {
            if (incus.storagePools().stream().noneMatch(p -> p.name().equals(pool))) {
                throw new CoiException("storage pool '" + pool + "' not found: `incus storage list` shows the pools");
            }
            devices.put("root", Map.of("type", "disk", "path", "/", "pool", pool));
        }
        incus.createInstance(InstanceSpec.of(name, image).withDevices(devices).withEphemeral(ephemeral).withStart(true));
    }

    public void start(String name) {
        Model.Instance instance = existing(name);
        if (instance.running()) return;
        incus.start(name);
    }

    public void stop(String name, boolean force, int timeoutSeconds) {
        Model.Instance instance = existing(name);
        if (!instance.running() && !"Frozen".equals(instance.status())) return;
        incus.stop(name, timeoutSeconds, force);
    }

    public void delete(String name, boolean force) {
        Model.Instance instance = existing(name);
        if (instance.running() && !force) {
            throw new CoiException("container " + name + " is running: stop it first or use `coi container delete " + name + " --force`");
        }
        if (force) Retries.delete(incus, name);
        else incus.delete(name, false);
    }

    /** `coi resume`: thaws a frozen (paused) container. */
    public boolean unfreeze(String name) {
        Model.Instance instance = existing(name);
        if (!"Frozen".equals(instance.status())) return false;
        incus.unfreeze(name);
        return true;
    }

    public List<Model.Snapshot> snapshots(String name) {
        existing(name);
        return incus.snapshots(name);
    }

    public void snapshot(String name, String snapshot) {
        existing(name);
        checkName(snapshot);
        if (incus.snapshots(name).stream().anyMatch(s -> s.name().equals(snapshot))) {
            throw new CoiException("container " + name + " already has a snapshot " + snapshot + ": pick another name");
        }
        incus.createSnapshot(name, snapshot);
    }

    public void restore(String name, String snapshot) {
        requireSnapshot(name, snapshot);
        incus.restoreSnapshot(name, snapshot);
    }

    public void deleteSnapshot(String name, String snapshot) {
        requireSnapshot(name, snapshot);
        incus.deleteSnapshot(name, snapshot);
    }

    private void requireSnapshot(String name, String snapshot) {
        existing(name);
        if (incus.snapshots(name).stream().noneMatch(s -> s.name().equals(snapshot))) {
            throw new CoiException("container " + name + " has no snapshot " + snapshot + ": `coi snapshot list " + name + "` shows them");
        }
    }

    public boolean exists(String name) {
        return incus.instanceExists(name);
    }

    public boolean running(String name) {
        return incus.instanceStatus(name).map(Model.Instance::running).orElse(false);
    }

    public int exec(String name, ExecRequest request, InputStream stdin, OutputStream out, OutputStream err) {
        requireRunning(name);
        return incus.exec(name, request, stdin, out, err);
    }

    public Model.ExecResult execCapture(String name, ExecRequest request) {
        requireRunning(name);
        return incus.execCapture(name, request);
    }

    public void mount(String name, String device, Path source, String path, boolean shift, boolean readonly) {
        existing(name);
        if (!Files.exists(source)) throw new UsageException("mount source " + source + " does not exist on the host");
        if (!path.startsWith("/")) throw new UsageException("mount path '" + path + "' must be absolute inside the container");
        Map<String, String> disk = new LinkedHashMap<>();
        disk.put("type", "disk");
        disk.put("source", source.toAbsolutePath().toString());
        disk.put("path", path);
        if (shift) disk.put("shift", "true");
        if (readonly) disk.put("readonly", "true");
        try {
            incus.addDevice(name, device, disk);
        } catch (IncusException.AlreadyExists e) {
            throw new CoiException("container " + name + " already has a device named " + device + ": choose another device name");
        }
    }

    /**
     * Why a link at the path a push or pull is given is refused: in the agent's workspace it may be the
     * agent's, pointing at ~/.ssh (a push would send a key into the container, a pull write one).
     */
    static final String THROUGH_A_LINK = "coi does not push or pull through a link at the path it is given (in a workspace it may be"
            + " the agent's); name what it points to";

    /** `coi file push`: like cp, a directory target receives the source under its own name. */
    public int push(Path source, RemotePath target, boolean recursive, int uid, int gid, int mode) {
        if (!Files.exists(source, LinkOption.NOFOLLOW_LINKS)) throw new UsageException("source " + source + " does not exist");
        if (Files.isSymbolicLink(source)) throw new CoiException(source + " is a symbolic link: " + THROUGH_A_LINK);
        existing(target.container());
        InstanceFiles files = incus.files(target.container());
        Model.FileInfo at = files.stat(target.path());
        RemotePath dest = at != null && at.directory() || target.path().endsWith("/")
                ? target.child(source.getFileName().toString()) : target;
        if (Files.isDirectory(source)) {
            if (!recursive) throw new UsageException(source + " is a directory: use `coi file push -r`");
            return files.pushTree(source, dest.path(), uid, gid);
        }
        files.push(source, dest.path(), uid, gid, mode);
        return 1;
    }

    /** `coi file pull`: like cp, an existing local directory receives the file under its own name. */
    public int pull(RemotePath source, Path dest, boolean recursive) {
        return pull(source, dest, recursive, Long.MAX_VALUE);
    }

    /** As {@link #pull(RemotePath, Path, boolean)}, writing at most {@code maxBytes} of content in all. */
    public int pull(RemotePath source, Path dest, boolean recursive, long maxBytes) {
        existing(source.container());
        InstanceFiles files = incus.files(source.container());
        Model.FileInfo info = files.stat(source.path());
        if (info == null) throw new CoiException(source.path() + " does not exist in " + source.container());
        if (info.directory() && !recursive) throw new UsageException(source.path() + " is a directory: use `coi file pull -r`");
        if (Files.isSymbolicLink(dest)) throw new CoiException(dest + " is a symbolic link: " + THROUGH_A_LINK);
        Path target = Files.isDirectory(dest, LinkOption.NOFOLLOW_LINKS) ? dest.resolve(source.name()) : dest;
        if (target.getParent() != null && !Files.isDirectory(target.getParent())) {
            throw new UsageException("destination folder " + target.getParent() + " does not exist");
        }
        return files.pullTree(source.path(), target, maxBytes);
    }

    private Model.Instance existing(String name) {
        try {
            return incus.instance(name);
        } catch (IncusException.NotFound e) {
            throw new CoiException("container " + name + " not found: `coi list --all` shows coi's containers, `incus list` all of them");
        }
    }

    private void requireRunning(String name) {
        Model.Instance instance = existing(name);
        if (!instance.running()) {
            throw new CoiException("container " + name + " is " + instance.status().toLowerCase() + ": start it with `coi container start " + name + "`");
        }
    }
}
