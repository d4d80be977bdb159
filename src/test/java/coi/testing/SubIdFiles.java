package coi.testing;

import static org.assertj.core.api.Assertions.assertThat;

import coi.setup.SubordinateIds;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;

/**
 * The host's /etc/subuid and /etc/subgid while a test runs coi as uid 1000, whose sessions map it
 * onto code with raw.idmap (root must hold uid and gid 1000 there): put back as they were when the
 * test ends.
 */
public final class SubIdFiles implements AutoCloseable {
    static final Path SUBUID = Path.of("/etc/subuid"), SUBGID = Path.of("/etc/subgid");
    private final String uids, gids;

    public SubIdFiles() throws IOException {
        uids = Files.readString(SUBUID);
        gids = Files.readString(SUBGID);
    }

    /** As on a machine where no one ran `sudo coi setup` as uid 1000: no range of root's holds id 1000. */
    public void withoutUid1000() throws IOException {
        Files.writeString(SUBUID, without1000(uids));
        Files.writeString(SUBGID, without1000(gids));
    }

    /** What `sudo coi setup` by uid 1000 does (SUDO_UID and SUDO_GID 1000): root then holds its ids. */
    public void setUpFor1000(Sandbox box) throws IOException {
        CoiProcess.Result setup = box.coi().env("SUDO_UID", "1000").env("SUDO_GID", "1000").run("setup");
        assertThat(setup.exitCode()).as(setup.toString()).isZero();
        assertThat(SubordinateIds.delegated(Files.readString(SUBUID), 1000) && SubordinateIds.delegated(Files.readString(SUBGID), 1000))
                .as("after setup: " + setup).isTrue();
    }

    /** Root holds uid and gid 1000, as after that setup, written here (for a test about something else). */
    public void with1000() throws IOException {
        if (!SubordinateIds.delegated(Files.readString(SUBUID), 1000)) Files.writeString(SUBUID, uids + (uids.endsWith("\n") || uids.isEmpty() ? "" : "\n") + "root:1000:1\n");
        if (!SubordinateIds.delegated(Files.readString(SUBGID), 1000)) Files.writeString(SUBGID, gids + (gids.endsWith("\n") || gids.isEmpty() ? "" : "\n") + "root:1000:1\n");
    }

    private static String without1000(String file) {
        return file.lines().filter(l -> !SubordinateIds.delegated(l, 1000)).map(l -> l + "\n").collect(Collectors.joining());
    }

    @Override
    public void close() throws IOException {
        Files.writeString(SUBUID, uids);
        Files.writeString(SUBGID, gids);
    }
}
