package coi.session;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import coi.UsageException;
import coi.config.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The root helper's checks, all made before anything is mounted (so they run without root). */
class ViewHelperTest {
    @TempDir Path tmp;
    Path views, view, workspace;
    int me;

    @BeforeEach
    void layout() throws IOException {
        tmp = tmp.toRealPath();
        views = Files.createDirectories(tmp.resolve("sessions/views"));
        view = Files.createDirectories(views.resolve("coi-abc-1"));
        workspace = Files.createDirectories(tmp.resolve("project/.git/hooks"));
        workspace = tmp.resolve("project");
        me = (int) Files.getAttribute(workspace, "unix:uid", LinkOption.NOFOLLOW_LINKS);
    }

    @Test
    void aViewOfSomeoneElseIsRefused() {
        assertThatThrownBy(() -> ViewHelper.run(List.of("build", view.toString(), workspace.toString(), "ro:.git/hooks"), me + 1))
                .isInstanceOf(UsageException.class).hasMessageContaining("does not belong to uid " + (me + 1));
    }

    @Test
    void onlyAFolderNamedLikeAContainerUnderViewsIsAView() throws IOException {
        Path etc = Files.createDirectories(tmp.resolve("etc"));
        assertThatThrownBy(() -> ViewHelper.run(List.of("remove", etc.toString()), me))
                .isInstanceOf(UsageException.class).hasMessageContaining("is not a coi view");
        assertThatThrownBy(() -> ViewHelper.run(List.of("remove", "relative/views/coi-abc-1"), me))
                .isInstanceOf(UsageException.class).hasMessageContaining("not an absolute path free of links");
    }

    @Test
    void aLinkOnTheWayToTheViewOrWorkspaceIsRefused() throws IOException {
        Path link = Files.createSymbolicLink(tmp.resolve("ws-link"), workspace);
        assertThatThrownBy(() -> ViewHelper.run(List.of("build", view.toString(), link.toString()), me))
                .isInstanceOf(UsageException.class).hasMessageContaining("not an absolute path free of links");
        Path viewLink = Files.createSymbolicLink(views.resolve("coi-abc-2"), tmp.resolve("etc-target"));
        assertThatThrownBy(() -> ViewHelper.run(List.of("remove", viewLink.toString()), me)).isInstanceOf(RuntimeException.class);
    }

    @Test
    void aProtectedPathThroughALinkOrOutsideTheWorkspaceIsRefused() throws IOException {
        Files.createSymbolicLink(workspace.resolve("out"), Path.of("/etc"));
        assertThatThrownBy(() -> ViewHelper.run(List.of("build", view.toString(), workspace.toString(), "ro:out/cron.d"), me))
                .isInstanceOf(ConfigException.class).hasMessageContaining("is a symbolic link");
        assertThatThrownBy(() -> ViewHelper.run(List.of("build", view.toString(), workspace.toString(), "ro:../etc"), me))
                .isInstanceOf(ConfigException.class).hasMessageContaining("is not a path inside the workspace");
        assertThatThrownBy(() -> ViewHelper.run(List.of("build", view.toString(), workspace.toString(), "rw:.git"), me))
                .isInstanceOf(UsageException.class).hasMessageContaining("neither pin:REL nor ro:REL");
    }
}
