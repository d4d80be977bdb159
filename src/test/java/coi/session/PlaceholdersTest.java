package coi.session;

import static org.assertj.core.api.Assertions.assertThat;

import coi.incus.HostTree;
import coi.incus.Model;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlaceholdersTest {
    private static final List<String> PATHS = List.of(".git/hooks", ".git/config", ".husky", ".mcp.json", "lefthook.yml", ".vscode",
            ".claude/settings.json");

    @TempDir
    Path home;

    private Path root() {
        return home.resolve(".coi");
    }

    /** A workspace per test: each one's lock is held by this JVM once a launch was made in it. */
    private Path workspace(String name) throws IOException {
        Path ws = home.resolve(name);
        Files.createDirectories(ws.resolve("src"));
        Files.writeString(ws.resolve("src/main.c"), "int main(void) { return 0; }\n");
        return ws;
    }

    /** What a launch does: holds the workspace, makes the placeholders, records them. */
    private Protection launch(Path ws) {
        Placeholders.hold(root(), ws);
        List<String> made = new ArrayList<>();
        try {
            return Protection.of(ws, PATHS, true, true, made::add);
        } finally {
            Placeholders.record(root(), ws, made);
        }
    }

    private static Model.Instance instanceIn(Path ws, String status) {
        return instanceIn(ws.toString(), status);
    }

    private static Model.Instance instanceIn(String ws, String status) {
        Map<String, String> config = Map.of(Labels.WORKSPACE, ws);
        return new Model.Instance("coi-abc-1", status, "container", false, null, null, config, config, Map.of(), Map.of(), List.of(), null);
    }

    /** A sweep as another process (the background process, `coi clean`) makes it: the launch's process has exited. */
    private List<String> sweptElsewhere(Path ws, List<Model.Instance> instances) throws IOException {
        Placeholders.release(root(), ws);
        return Placeholders.sweep(root(), instances, () -> instances, Duration.ZERO);
    }

    private static boolean inUse(Path ws, List<Model.Instance> instances) throws IOException {
        return Placeholders.inUse(instances, ws, Placeholders.folderIdentity(ws));
    }

    private static Model.Instance labelled(Model.Instance i, String folder) {
        Map<String, String> config = new java.util.HashMap<>(i.config());
        config.put(Labels.WORKSPACE_FOLDER, folder);
        return new Model.Instance(i.name(), i.status(), i.type(), i.ephemeral(), i.createdAt(), i.lastUsedAt(), config, config, Map.of(), Map.of(),
                List.of(), null);
    }

    private static List<String> listing(Path ws) throws IOException {
        try (Stream<Path> s = Files.walk(ws)) {
            return s.map(p -> ws.relativize(p).toString()).sorted().toList();
        }
    }

    /**
     * The lock a launch in another process holds: a JVM of this test's classpath running
     * {@link Holder}, which says "held" once it holds and lets go when its stdin closes.
     */
    private static Process holdElsewhere(Path root, Path ws) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), Holder.class.getName(), root.toString(),
                ws.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String line = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)).readLine();
        assertThat(line).isEqualTo("held");
        return p;
    }

    public static final class Holder {
        public static void main(String[] args) throws IOException {
            Placeholders.hold(Path.of(args[0]), Path.of(args[1]));
            System.out.println("held");
            System.out.flush();
            while (System.in.read() >= 0) {
                // until the test closes our stdin
            }
        }
    }

    @Test
    void whatALaunchMadeIsRemovedOnceNoContainerOfTheWorkspaceIsLeftAndTheWorkspaceIsAsBefore() throws Exception {
        Path ws = workspace("a");
        Files.createDirectories(ws.resolve(".claude"));
        List<String> before = listing(ws);
        launch(ws);
        assertThat(ws.resolve(".mcp.json")).hasContent("{}");
        assertThat(ws.resolve(".git")).isEmptyDirectory();

        List<String> removed = sweptElsewhere(ws, List.of());
        assertThat(removed).containsExactlyInAnyOrder(ws.resolve(".git").toString(), ws.resolve(".husky").toString(),
                ws.resolve(".mcp.json").toString(), ws.resolve("lefthook.yml").toString(), ws.resolve(".vscode").toString(),
                ws.resolve(".claude/settings.json").toString());
        assertThat(listing(ws)).isEqualTo(before);
        assertThat(Placeholders.recordFile(root(), Placeholders.key(Placeholders.folderIdentity(ws)))).doesNotExist();
    }

    @Test
    void nothingIsRemovedWhileAnInstanceOfAnyStateIsLabelledWithTheWorkspace() throws Exception {
        Path ws = workspace("b");
        launch(ws);
        for (String status : List.of("Running", "Stopped", "Frozen")) {
            assertThat(sweptElsewhere(ws, List.of(instanceIn(ws, status)))).isEmpty();
            assertThat(ws.resolve(".mcp.json")).exists();
        }
        // a container of another folder beside it keeps nothing here
        Path beside = Files.createDirectories(home.resolve("beside"));
        assertThat(sweptElsewhere(ws, List.of(instanceIn(beside, "Running")))).hasSize(6);
        assertThat(ws.resolve(".mcp.json")).doesNotExist();
    }

    @Test
    void theInstancesAreAskedOnlyOnceTheLockIsTakenAndAFailingDaemonRemovesNothing() throws Exception {
        Path ws = workspace("c");
        launch(ws);
        Placeholders.release(root(), ws);
        // the listing passed in is old: the container made since (by a launch that exited) shows in the one asked under the lock
        assertThat(Placeholders.sweep(root(), List.of(), () -> List.of(instanceIn(ws, "Running")), Duration.ZERO)).isEmpty();
        assertThat(Placeholders.sweep(root(), List.of(), () -> {
            throw new coi.incus.IncusException(500, "daemon gone");
        }, Duration.ZERO)).isEmpty();
        assertThat(ws.resolve(".mcp.json")).exists();
        assertThat(ws.resolve(".vscode")).exists();
    }

    @Test
    void aLaunchInProgressInAnotherProcessKeepsThePlaceholdersAndAPatientSweepWaitsForItsEnd() throws Exception {
        Path ws = workspace("d");
        Path root = home.resolve("elsewhere");
        List<String> made = new ArrayList<>();
        Protection.of(ws, PATHS, true, true, made::add);
        // that launch came by a link to the folder: it holds the same lock
        Process other = holdElsewhere(root, Files.createSymbolicLink(home.resolve("by-link"), ws));
        try {
            // the record as the other process's launch would write it
            Files.createDirectories(Placeholders.recordFile(root, Placeholders.key(Placeholders.folderIdentity(ws))).getParent());
            Placeholders.write(Placeholders.recordFile(root, Placeholders.key(Placeholders.folderIdentity(ws))), ws,
                    Placeholders.folderIdentity(ws), Placeholders.identities(ws, made));
            assertThat(Placeholders.sweep(root, null, List::of, Duration.ZERO)).isEmpty();
            assertThat(ws.resolve(".mcp.json")).exists();
        } finally {
            other.getOutputStream().close();
        }
        // its process ends: a patient sweep of the workspace finds the lock free once it has, and no instance labelled with it
        assertThat(Placeholders.sweepWorkspace(root, ws, List::of, Duration.ofSeconds(30))).hasSize(6);
        assertThat(ws.resolve(".mcp.json")).doesNotExist();
    }

    @Test
    void aSweepInTheLaunchingProcessLeavesItsWorkspaceAlone() throws Exception {
        Path ws = workspace("e");
        launch(ws);
        AtomicInteger asked = new AtomicInteger();
        assertThat(Placeholders.sweep(root(), null, () -> {
            asked.incrementAndGet();
            return List.of();
        }, Duration.ZERO)).isEmpty();
        assertThat(asked).hasValue(0);
        assertThat(ws.resolve(".mcp.json")).exists();
    }

    @Test
    void whatTheUserChangedOrReplacedStaysAndALinkIsNotFollowed() throws Exception {
        Path ws = workspace("f");
        launch(ws);
        Path outside = Files.createDirectories(home.resolve("outside"));
        Files.writeString(ws.resolve(".vscode/settings.json"), "{\"editor.tabSize\": 2}\n");
        Files.writeString(ws.resolve("lefthook.yml"), "pre-commit:\n");
        // the same bytes, another file (made before the placeholder goes, so that it cannot reuse its inode)
        Files.writeString(ws.resolve(".mcp.json.new"), "{}\n");
        Files.move(ws.resolve(".mcp.json.new"), ws.resolve(".mcp.json"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.delete(ws.resolve(".husky"));
        Files.createSymbolicLink(ws.resolve(".husky"), outside);
        Files.delete(ws.resolve(".git"));
        Files.createDirectories(ws.resolve("real"));
        Files.createSymbolicLink(ws.resolve(".git"), ws.resolve("real"));

        // only the one left as it was made goes
        assertThat(sweptElsewhere(ws, List.of())).containsExactly(ws.resolve(".claude").toString());
        assertThat(ws.resolve(".vscode/settings.json")).exists();
        assertThat(ws.resolve("lefthook.yml")).hasContent("pre-commit:");
        assertThat(ws.resolve(".mcp.json")).exists();
        assertThat(outside).exists();
        assertThat(ws.resolve("real")).exists();
        // the folder the user put something in stays recorded, and goes once it is empty again
        Files.delete(ws.resolve(".vscode/settings.json"));
        assertThat(Placeholders.sweep(root(), List.of(), List::of, Duration.ZERO)).containsExactly(ws.resolve(".vscode").toString());
        assertThat(Placeholders.recordFile(root(), Placeholders.key(Placeholders.folderIdentity(ws)))).doesNotExist();
    }

    @Test
    void placeholdersOneSessionMadeInsideAnothersGoDeepestFirst() throws Exception {
        Path ws = workspace("g");
        List<String> before = listing(ws);
        // the first session makes `.git` for `.git/hooks`; the second, finding that folder, makes what is inside
        launch(ws);
        Placeholders.hold(root(), ws);
        List<String> made = new ArrayList<>();
        Protection.of(ws, PATHS, true, true, made::add);
        Placeholders.record(root(), ws, made);
        assertThat(made).contains(".git/hooks", ".git/config");
        assertThat(sweptElsewhere(ws, List.of())).contains(ws.resolve(".git/hooks").toString(),
                ws.resolve(".git/config").toString(), ws.resolve(".git").toString());
        assertThat(listing(ws)).isEqualTo(before);
    }

    @Test
    void aFolderOneLaunchMadeThatHoldsAnothersPlaceholdersGoesInTheSameSweepWhateverPathEachCameBy() throws Exception {
        Path ws = workspace("l");
        List<String> before = listing(ws);
        Path alias = Files.createSymbolicLink(home.resolve("alias-l"), ws);
        // by the link first (`.git` made for `.git/hooks`), then by the folder's own path (what goes inside `.git`)
        launch(alias);
        launch(ws);
        Placeholders.release(root(), alias);
        Placeholders.release(root(), ws);
        // one record for the folder, by whichever path: its latest
        assertThat(Placeholders.sweep(root(), List.of(), List::of, Duration.ZERO)).contains(ws.resolve(".git").toString(),
                ws.resolve(".git/hooks").toString());
        assertThat(listing(ws)).isEqualTo(before);
    }

    @Test
    void unreadableOrForeignRecordLinesAreSkipped() throws Exception {
        Path ws = workspace("h");
        Files.writeString(ws.resolve("keep.json"), "{}\n");
        Files.writeString(home.resolve("outside.json"), "{}\n");
        Path record = Placeholders.recordFile(root(), Placeholders.key(Placeholders.folderIdentity(ws)));
        Files.createDirectories(record.getParent());
        String folder = Placeholders.folderIdentity(ws), key = Placeholders.identity(ws.resolve("keep.json")),
                outsideKey = Placeholders.identity(home.resolve("outside.json"));
        Files.writeString(record, "workspace\t" + ws + "\nfolder\t" + folder + "\nf\t" + outsideKey + "\t../outside.json\nf\t" + key
                + "\t/etc/passwd\nx\t" + key + "\tkeep.json\nf\t" + key + "\t.\nnonsense\n");
        assertThat(Placeholders.sweep(root(), null, List::of, Duration.ZERO)).isEmpty();
        assertThat(ws.resolve("keep.json")).exists();
        assertThat(home.resolve("outside.json")).exists();
        // a record without its folder's identity, or with another folder's, is left unread
        Files.writeString(record, "workspace\t" + ws + "\nf\t" + key + "\tkeep.json\n");
        assertThat(Placeholders.sweep(root(), null, List::of, Duration.ZERO)).isEmpty();
        Files.writeString(record, "workspace\t" + ws + "\nfolder\tdev=0:0,ino=1\nf\t" + key + "\tkeep.json\n");
        assertThat(Placeholders.sweep(root(), null, List::of, Duration.ZERO)).isEmpty();
        assertThat(ws.resolve("keep.json")).exists();
    }

    @Test
    void aContainerOfTheSameFolderByAnotherPathOrOfAFolderAboveOrBelowKeepsThePlaceholders() throws Exception {
        Path ws = workspace("j");
        launch(ws);
        Placeholders.release(root(), ws);
        Path alias = Files.createSymbolicLink(home.resolve("alias"), ws);
        for (Path label : List.of(alias, home, ws.resolve("src"), Path.of("/"))) {
            assertThat(inUse(ws, List.of(instanceIn(label, "Running")))).as(label.toString()).isTrue();
        }
        // a label whose folder cannot be looked at keeps them; one naming nothing any more, or another folder, does not
        Path locked = Files.createDirectories(home.resolve("locked/inner"));
        assertThat(inUse(ws, List.of(instanceIn("bad\0name", "Running")))).isTrue();
        assertThat(inUse(ws, List.of(instanceIn(locked, "Stopped")))).isFalse();
        // a path leading nowhere: a container labelled with another folder's identity keeps nothing here, one without the label
        // (made before coi labelled them) might be of this folder, and one labelled with this folder's is
        Model.Instance elsewhere = labelled(instanceIn(home.resolve("gone"), "Running"), Placeholders.folderIdentity(locked));
        assertThat(inUse(ws, List.of(elsewhere))).isFalse();
        assertThat(inUse(ws, List.of(instanceIn(home.resolve("gone"), "Running")))).isTrue();
        assertThat(inUse(ws, List.of(labelled(instanceIn(home.resolve("gone"), "Running"), Placeholders.folderIdentity(ws))))).isTrue();
        // started by a link since pointed elsewhere (the reviewer's `current` link): its folder label still names this folder
        Path current = Files.createSymbolicLink(home.resolve("current"), locked);
        assertThat(inUse(ws, List.of(labelled(instanceIn(current, "Running"), Placeholders.folderIdentity(ws))))).isTrue();
        assertThat(Placeholders.sweep(root(), List.of(instanceIn(alias, "Stopped")), () -> List.of(instanceIn(alias, "Stopped")),
                Duration.ZERO)).isEmpty();
        assertThat(ws.resolve(".mcp.json")).exists();
    }

    @Test
    void aNameSwappedForALinkWhileTheSweepRemovesNeverReachesOutsideTheWorkspace() throws Exception {
        Path ws = workspace("k");
        Path victim = Files.createDirectories(home.resolve("victim/.claude"));
        Files.createDirectories(ws.resolve(".claude"));
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        // an agent of a session of a folder above swaps `.claude` with a link to the victim's folder, over and over
        Thread swapper = new Thread(() -> {
            Path real = ws.resolve(".claude"), aside = ws.resolve(".claude-aside");
            while (!stop.get()) {
                try {
                    Files.move(real, aside, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                    Files.createSymbolicLink(real, victim);
                    Thread.onSpinWait();
                    Files.delete(real);
                    Files.move(aside, real, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                    // the folder in place for a moment too, so that some rounds of the sweep meet it (on a loaded
                    // machine the swapper could otherwise hold the name as a link through all of them)
                    java.util.concurrent.locks.LockSupport.parkNanos(20_000);
                } catch (IOException e) {
                    // a round that met the sweep's own work: the next one
                }
            }
        });
        int removed = 0;
        try {
            swapper.start();
            // 2,000 rounds, and more until one removal met the real folder (the test's own check that it raced)
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            for (int i = 0; i < 2000 || removed == 0 && System.nanoTime() < deadline; i++) {
                Files.writeString(victim.resolve("settings.local.json"), "{}\n");
                Path placeholder = ws.resolve(".claude/settings.local.json");
                List<Placeholders.Made> made;
                try {
                    Files.writeString(placeholder, "{}\n", StandardOpenOption.CREATE_NEW);
                } catch (IOException e) {
                    // the folder was aside this moment, or the file is left from a round before
                }
                made = Placeholders.identities(ws, List.of(".claude/settings.local.json"));
                if (made.isEmpty()) continue;
                try (HostTree top = HostTree.open(ws)) {
                    if (Placeholders.remove(top, made.getFirst()) == Placeholders.Outcome.REMOVED) removed++;
                } catch (IOException e) {
                    continue;
                }
                assertThat(victim.resolve("settings.local.json")).as("round " + i).exists();
            }
        } finally {
            stop.set(true);
            swapper.join();
        }
        assertThat(removed).as("placeholders removed in the workspace meanwhile").isPositive();
    }

    @Test
    void aRecordEditDoesNotReleaseTheHeldLock() throws Exception {
        Path ws = workspace("i");
        launch(ws);
        launch(ws);
        // this process still holds the workspace: another process cannot take it
        Path lock = root().resolve("locks");
        try (Stream<Path> s = Files.list(lock)) {
            Path file = s.filter(p -> p.getFileName().toString().startsWith("placeholders-")).findFirst().orElseThrow();
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), TryLock.class.getName(), file.toString())
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            assertThat(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip()).isEqualTo("busy");
            p.waitFor();
        }
    }

    public static final class TryLock {
        public static void main(String[] args) throws IOException {
            try (FileChannel c = FileChannel.open(Path.of(args[0]), StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                System.out.println(c.tryLock(0, 1, false) == null ? "busy" : "free");
            }
        }
    }
}
