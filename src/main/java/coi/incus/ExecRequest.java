package coi.incus;

import java.util.List;
import java.util.Map;

/** A non-interactive command to run in an instance; uid/gid -1 keep the default (root). */
public record ExecRequest(List<String> command, Map<String, String> environment, int uid, int gid, String cwd) {
    public ExecRequest {
        command = List.copyOf(command);
        environment = Map.copyOf(environment);
    }

    public static ExecRequest of(String... command) {
        return new ExecRequest(List.of(command), Map.of(), -1, -1, null);
    }

    public ExecRequest as(int uid, int gid) {
        return new ExecRequest(command, environment, uid, gid, cwd);
    }

    public ExecRequest in(String dir) {
        return new ExecRequest(command, environment, uid, gid, dir);
    }

    public ExecRequest withEnv(Map<String, String> env) {
        return new ExecRequest(command, env, uid, gid, cwd);
    }
}
