package coi.cli;

import coi.UsageException;
import coi.session.ViewHelper;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** Hidden: the root helper that builds and removes protected views for a non-root user, run through `sudo -n`. */
@Command(name = "__view", hidden = true,
        description = "Build or remove a protected workspace view (root, through sudo; see README, Sessions).")
final class ViewCommand implements Callable<Integer> {
    @Parameters(paramLabel = "ARG", description = "build VIEW WORKSPACE [pin:REL|ro:REL]... | remove VIEW")
    List<String> args = List.of();

    @Override
    public Integer call() {
        String sudoUid = System.getenv("SUDO_UID");
        if (!"root".equals(System.getProperty("user.name")) || sudoUid == null || !sudoUid.matches("[0-9]+")) {
            throw new UsageException("coi __view runs only as root through sudo");
        }
        ViewHelper.run(args, Integer.parseInt(sudoUid));
        return 0;
    }
}
