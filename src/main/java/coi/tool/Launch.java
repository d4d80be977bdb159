package coi.tool;

import coi.config.Config;
import coi.config.PermissionMode;
import java.util.Objects;
import java.util.Optional;

/** How one session starts its tool. */
public record Launch(Optional<String> binary, PermissionMode permissionMode, Resume resume) {
    public Launch {
        Objects.requireNonNull(binary, "binary");
        Objects.requireNonNull(permissionMode, "permissionMode");
        Objects.requireNonNull(resume, "resume");
    }

    public static Launch of(Config.Tool tool, Resume resume) {
        return new Launch(tool.binary(), tool.permissionMode(), resume);
    }

    String binaryOr(String defaultBinary) {
        return binary.orElse(defaultBinary);
    }

    boolean bypass() {
        return permissionMode == PermissionMode.BYPASS;
    }
}
