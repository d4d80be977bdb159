package coi.container;

import coi.UsageException;

/** A `CONTAINER:PATH` argument of `coi file`. */
public record RemotePath(String container, String path) {
    public static RemotePath parse(String arg) {
        int colon = arg.indexOf(':');
        if (colon <= 0 || colon == arg.length() - 1) {
            throw new UsageException("'" + arg + "' is not CONTAINER:PATH (for example coi-1a2b3c4d-1:/workspace/notes.txt)");
        }
        String path = arg.substring(colon + 1);
        if (!path.startsWith("/")) {
            throw new UsageException("the path in '" + arg + "' must be absolute (CONTAINER:/absolute/path)");
        }
        return new RemotePath(arg.substring(0, colon), path);
    }

    public String name() {
        String p = path.endsWith("/") && path.length() > 1 ? path.substring(0, path.length() - 1) : path;
        return p.substring(p.lastIndexOf('/') + 1);
    }

    public RemotePath child(String name) {
        return new RemotePath(container, (path.endsWith("/") ? path : path + "/") + name);
    }
}
