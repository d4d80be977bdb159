package coi.incus;

import static coi.incus.FakeIncus.envelope;
import static coi.incus.FakeIncus.error;
import static coi.incus.FakeIncus.http;
import static coi.incus.FakeIncus.raw;
import static coi.incus.FakeIncus.sync;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import coi.incus.FakeIncus.Request;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** /1.0/instances/NAME/files: type, owner and mode travel in X-Incus-* headers. */
@Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class InstanceFilesTest extends FakeIncusTest {
    private static final String FILES = "/1.0/instances/c1/files?path=";

    InstanceFiles files;

    @BeforeEach
    void filesOfC1() {
        files = client.files("c1");
    }

    @Test
    void writeSendsTypeOwnerAndModeHeaders() {
        fake.on("POST " + FILES + "%2Fhome%2Fcode%2Fa%20b.txt", sync("{}"));

        files.write("/home/code/a b.txt", "hi\n".getBytes(StandardCharsets.UTF_8), 1000, 1001, 0640);

        Request push = fake.lastRequest();
        assertThat(push.header("x-incus-type")).isEqualTo("file");
        assertThat(push.header("x-incus-uid")).isEqualTo("1000");
        assertThat(push.header("x-incus-gid")).isEqualTo("1001");
        assertThat(push.header("x-incus-mode")).isEqualTo("0640");
        assertThat(push.header("x-incus-write")).isEqualTo("overwrite");
        assertThat(push.header("content-type")).isEqualTo("application/octet-stream");
        assertThat(push.header("content-length")).isEqualTo("3");
        assertThat(push.text()).isEqualTo("hi\n");
    }

    @Test
    void pushKeepsTheLocalModeAndLeavesOutUnsetOwners() throws IOException {
        Path script = Files.writeString(dir.resolve("run.sh"), "#!/bin/sh\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-x---"));
        fake.on("POST " + FILES + "%2Fusr%2Flocal%2Fbin%2Frun", sync("{}"));

        files.push(script, "/usr/local/bin/run", -1, -1, -1);

        Request push = fake.lastRequest();
        assertThat(push.header("x-incus-mode")).isEqualTo("0750");
        assertThat(push.header("x-incus-uid")).isNull();
        assertThat(push.header("x-incus-gid")).isNull();
        assertThat(push.text()).isEqualTo("#!/bin/sh\n");
    }

    /**
     * The agent, writing the tree being pushed (its workspace), swaps a folder for a link to the
     * user's home and a file in it for a link to a private key, as the push makes that folder in the
     * container: the push goes on in the folder it opened and sends the file as the link it now is;
     * the key is never read.
     */
    @Test
    void aPushedTreeSwappedForLinksAfterItsListingSendsTheLinksNeverWhatTheyPointAt() throws IOException {
        Path secret = Files.writeString(dir.resolve("id_ed25519"), "PRIVATE KEY");
        Path s = Files.createDirectories(dir.resolve("ws/out/s")), moved = dir.resolve("ws/moved");
        Files.writeString(s.resolve("key"), "public");
        String absent = "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\n\r\n";
        fake.on("HEAD " + FILES + "%2Fo", raw(absent));
        fake.on("POST " + FILES + "%2Fo", sync("{}"));
        fake.on("HEAD " + FILES + "%2Fo%2Fs", raw(absent));
        fake.on("POST " + FILES + "%2Fo%2Fs", (request, conn) -> {
            Files.delete(s.resolve("key"));
            Files.createSymbolicLink(s.resolve("key"), secret);
            Files.move(s, moved);
            Files.createSymbolicLink(s, dir);
            sync("{}").respond(request, conn);
        });
        fake.on("POST " + FILES + "%2Fo%2Fs%2Fkey", sync("{}"));

        assertThat(files.pushTree(dir.resolve("ws/out"), "/o", 1000, 1000)).isEqualTo(3);

        assertThat(fake.requests()).extracting(Request::text).noneMatch(body -> body.contains("PRIVATE KEY"));
        Request key = fake.lastRequest();
        assertThat(key.path()).endsWith("%2Fo%2Fs%2Fkey");
        assertThat(key.header("x-incus-type")).isEqualTo("symlink");
        assertThat(key.text()).isEqualTo(secret.toString());
    }

    /** A FIFO in a pushed tree is opened without waiting and not read: the push says what it is. */
    @Test
    void aFifoInAPushedTreeIsRefusedWithoutWaitingForAWriter() throws Exception {
        Path tree = Files.createDirectories(dir.resolve("t"));
        assertThat(new ProcessBuilder("mkfifo", tree.resolve("pipe").toString()).start().waitFor()).isZero();
        fake.on("HEAD " + FILES + "%2Ft", raw("HTTP/1.1 200 OK\r\nX-Incus-Type: directory\r\nX-Incus-Mode: 0755\r\n\r\n"));

        assertThatThrownBy(() -> files.pushTree(tree, "/t", 0, 0)).isInstanceOf(IncusException.class)
                .hasMessageContaining(tree.resolve("pipe") + " is a FIFO: coi pushes files, folders and links only");
    }

    /**
     * A pushed file named by the user: a link at its name (the agent's, in its workspace) is refused,
     * not read through; a FIFO is refused without waiting for a writer (whatever a writer put there
     * would have followed the announced length to the daemon as a request of its own).
     */
    @Test
    void aPushedFileThatIsALinkOrAFifoIsRefusedNotRead() throws Exception {
        Path secret = Files.writeString(dir.resolve("id_ed25519"), "PRIVATE KEY");
        Path link = Files.createSymbolicLink(dir.resolve("report.txt"), secret);
        Path fifo = dir.resolve("notes.txt");
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();

        assertThatThrownBy(() -> files.push(link, "/tmp/report.txt", -1, -1, -1)).isInstanceOf(IncusException.class)
                .hasMessageContaining(link + " is a symbolic link: coi does not push through a link");
        assertThatThrownBy(() -> files.push(fifo, "/tmp/notes.txt", -1, -1, -1)).isInstanceOf(IncusException.class)
                .hasMessageContaining(fifo + " is not a plain file");
        assertThat(fake.requests()).as("nothing sent").isEmpty();
    }

    /** A body that is not the length it announced is never sent past it: more bytes would reach the daemon as a request of their own. */
    @Test
    void aBodyLongerOrShorterThanAnnouncedFailsTheRequestAndSendsNothingPastIt() throws IOException {
        for (String content : List.of("abcdef", "ab")) {
            var out = new ByteArrayOutputStream();
            Http.Body body = new Http.Body() {
                public long length() { return 3; }
                public String contentType() { return "application/octet-stream"; }
                public void writeTo(java.io.OutputStream o) throws IOException {
                    o.write(content.getBytes(StandardCharsets.UTF_8));
                }
            };
            assertThatThrownBy(() -> Http.writeRequest(out, "POST", "/1.0/x", "incus", Map.of(), body))
                    .isInstanceOf(Http.BodyLengthException.class);
            assertThat(out.toString(StandardCharsets.UTF_8)).doesNotContain("abc" + "d").doesNotContain("def");
        }
    }

    @Test
    void mkdirAndSymlinkSayWhatTheyCreate() {
        fake.on("POST " + FILES + "%2Fw", sync("{}"));
        fake.on("POST " + FILES + "%2Fw%2Flink", sync("{}"));

        files.mkdir("/w", 1000, 1000, 0755);
        files.symlink("/w/link", "../target", 1000, 1000);

        Request mkdir = fake.requests().get(0), symlink = fake.requests().get(1);
        assertThat(mkdir.header("x-incus-type")).isEqualTo("directory");
        assertThat(mkdir.header("x-incus-mode")).isEqualTo("0755");
        assertThat(mkdir.header("content-length")).isEqualTo("0");
        assertThat(symlink.header("x-incus-type")).isEqualTo("symlink");
        assertThat(symlink.text()).isEqualTo("../target");
    }

    @Test
    void pullStreamsTheContentAndReadsItsMetadataFromHeaders() {
        fake.on("GET " + FILES + "%2Fetc%2Fsecret", raw(http(200,
                "Content-Type: application/octet-stream\r\nX-Incus-Type: file\r\nX-Incus-Mode: 0600\r\n"
                        + "X-Incus-Uid: 1000\r\nX-Incus-Gid: 1001\r\n", "s3cr3t")));
        ByteArrayOutputStream sink = new ByteArrayOutputStream();

        Model.FileInfo info = files.pull("/etc/secret", sink);

        assertThat(info).isEqualTo(new Model.FileInfo("file", 0600, 1000, 1001));
        assertThat(sink.toString(StandardCharsets.UTF_8)).isEqualTo("s3cr3t");
    }

    @Test
    void pullOfAMissingFileIsNotFound() {
        fake.on("GET " + FILES + "%2Fnope", error(404, "Not found"));

        assertThatThrownBy(() -> files.read("/nope")).isInstanceOf(IncusException.NotFound.class).hasMessage("Not found");
    }

    @Test
    void pullRefusesADirectory() {
        fake.on("GET " + FILES + "%2Fetc", raw(http(200, "X-Incus-Type: directory\r\n", envelope("[\"hosts\"]"))));

        assertThatThrownBy(() -> files.read("/etc")).isInstanceOf(IncusException.class).hasMessageContaining("is a directory");
    }

    @Test
    void listsADirectory() {
        fake.on("GET " + FILES + "%2Fhome%2Fcode", raw(http(200,
                "Content-Type: application/json\r\nX-Incus-Type: directory\r\nX-Incus-Mode: 0750\r\n",
                envelope("[\".bashrc\",\"project\",\"with space\"]"))));

        assertThat(files.list("/home/code")).containsExactly(".bashrc", "project", "with space");
    }

    @Test
    void statUsesHeadAndAnswersNullForAMissingPath() {
        // as Go's net/http answers HEAD: no Content-Length, no body, connection kept alive
        fake.on("HEAD " + FILES + "%2Fhome", raw("HTTP/1.1 200 OK\r\nX-Incus-Type: directory\r\nX-Incus-Mode: 0755\r\n"
                + "X-Incus-Uid: 0\r\nX-Incus-Gid: 0\r\n\r\n"));
        fake.on("HEAD " + FILES + "%2Fghost", raw("HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\n\r\n"));

        assertThat(files.stat("/home")).isEqualTo(new Model.FileInfo("directory", 0755, 0, 0));
        assertThat(files.stat("/home").directory()).isTrue();
        assertThat(fake.connections()).as("a HEAD answer has no body to wait for").isEqualTo(1);
        assertThat(files.stat("/ghost")).isNull();
        assertThat(fake.requests()).extracting(Request::method).containsOnly("HEAD");
    }

    @Test
    void pullTreeCopiesFilesSymlinksAndModes() throws IOException {
        String head = "HTTP/1.1 200 OK\r\n";
        fake.on("HEAD " + FILES + "%2Fd", raw(head + "X-Incus-Type: directory\r\nX-Incus-Mode: 0700\r\n\r\n"));
        fake.on("GET " + FILES + "%2Fd", raw(http(200, "X-Incus-Type: directory\r\n", envelope("[\"f\",\"l\"]"))));
        fake.on("HEAD " + FILES + "%2Fd%2Ff", raw(head + "X-Incus-Type: file\r\nX-Incus-Mode: 0640\r\n\r\n"));
        fake.on("GET " + FILES + "%2Fd%2Ff", raw(http(200, "X-Incus-Type: file\r\nX-Incus-Mode: 0640\r\n", "content")));
        fake.on("HEAD " + FILES + "%2Fd%2Fl", raw(head + "X-Incus-Type: symlink\r\nX-Incus-Mode: 0777\r\n\r\n"));
        // incusd answers a symlink with its target resolved to an absolute path
        fake.on("GET " + FILES + "%2Fd%2Fl", raw(http(200, "X-Incus-Type: symlink\r\n", "/d/f")));
        Path local = dir.resolve("copy");

        int written = files.pullTree("/d", local);

        assertThat(written).isEqualTo(3);
        assertThat(local.resolve("f")).hasContent("content");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(local.resolve("f")))).isEqualTo("rw-r-----");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(local))).isEqualTo("rwx------");
        assertThat(Files.readSymbolicLink(local.resolve("l"))).as("a link within the tree stays relative").isEqualTo(Path.of("f"));
        assertThat(fake.connections()).as("all on one kept-alive connection").isEqualTo(1);
    }

    /** A pull writes at most its budget, all files together: the file that would pass it is not kept, nor its temporary file. */
    @Test
    void aPullStopsAtItsBudgetAndKeepsNothingOfTheFileThatWouldPassIt() throws IOException {
        String head = "HTTP/1.1 200 OK\r\n";
        fake.on("HEAD " + FILES + "%2Fd", raw(head + "X-Incus-Type: directory\r\nX-Incus-Mode: 0700\r\n\r\n"));
        fake.on("GET " + FILES + "%2Fd", raw(http(200, "X-Incus-Type: directory\r\n", envelope("[\"a\",\"b\"]"))));
        for (String f : List.of("a", "b")) {
            fake.on("HEAD " + FILES + "%2Fd%2F" + f, raw(head + "X-Incus-Type: file\r\nX-Incus-Mode: 0640\r\n\r\n"));
            fake.on("GET " + FILES + "%2Fd%2F" + f, raw(http(200, "X-Incus-Type: file\r\nX-Incus-Mode: 0640\r\n", "content")));
        }
        Path local = dir.resolve("copy");

        assertThatThrownBy(() -> files.pullTree("/d", local, 10)).isInstanceOf(IncusException.HostFile.class)
                .hasMessageContaining("more than 10 bytes (--max-size) at /d/b in c1");

        assertThat(local.resolve("a")).hasContent("content");
        try (var left = Files.list(local)) {
            assertThat(left.map(p -> p.getFileName().toString())).as("neither b nor its temporary file").containsExactly("a");
        }
        // the same tree within its budget
        assertThat(files.pullTree("/d", dir.resolve("whole"), 14)).isEqualTo(3);
        assertThat(dir.resolve("whole/b")).hasContent("content");
    }

    @Test
    void aPulledFileReplacesALinkAtItsPlaceInsteadOfWritingThroughIt() throws IOException {
        fake.on("HEAD " + FILES + "%2Ff", raw("HTTP/1.1 200 OK\r\nX-Incus-Type: file\r\nX-Incus-Mode: 0600\r\n\r\n"));
        fake.on("GET " + FILES + "%2Ff", raw(http(200, "X-Incus-Type: file\r\nX-Incus-Mode: 0600\r\n", "pulled")));
        Path victim = Files.writeString(dir.resolve("victim"), "mine");
        Files.setPosixFilePermissions(victim, PosixFilePermissions.fromString("rw-r--r--"));
        // left by an earlier pull, or put there by the agent when the destination is its workspace
        Path local = Files.createSymbolicLink(dir.resolve("f"), victim);

        files.pullTree("/f", local);

        assertThat(victim).hasContent("mine");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(victim))).isEqualTo("rw-r--r--");
        assertThat(Files.isSymbolicLink(local)).isFalse();
        assertThat(local).hasContent("pulled");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(local))).isEqualTo("rw-------");
        try (var left = Files.list(dir)) {
            assertThat(left.map(p -> p.getFileName().toString())).as("no temporary file left").noneMatch(name -> name.endsWith(".pull"));
        }
    }

    @Test
    void aPulledFileReplacesAFifoWithoutOpeningIt() throws Exception {
        fake.on("HEAD " + FILES + "%2Ff", raw("HTTP/1.1 200 OK\r\nX-Incus-Type: file\r\nX-Incus-Mode: 0644\r\n\r\n"));
        fake.on("GET " + FILES + "%2Ff", raw(http(200, "X-Incus-Type: file\r\nX-Incus-Mode: 0644\r\n", "pulled")));
        Path local = dir.resolve("f");
        assertThat(new ProcessBuilder("mkfifo", local.toString()).start().waitFor()).isZero();

        files.pullTree("/f", local); // an open of the FIFO for writing would wait for a reader: the class's timeout

        assertThat(Files.isRegularFile(local, java.nio.file.LinkOption.NOFOLLOW_LINKS)).isTrue();
        assertThat(local).hasContent("pulled");
    }

    @Test
    void aFolderIsNotPulledIntoALink() throws IOException {
        fake.on("HEAD " + FILES + "%2Fd", raw("HTTP/1.1 200 OK\r\nX-Incus-Type: directory\r\nX-Incus-Mode: 0755\r\n\r\n"));
        Path elsewhere = Files.createDirectory(dir.resolve("elsewhere"));
        Path local = Files.createSymbolicLink(dir.resolve("d"), elsewhere);

        assertThatThrownBy(() -> files.pullTree("/d", local)).isInstanceOf(IncusException.class)
                .hasMessageContaining(local + " is a symbolic link: coi does not pull a folder into a link");
        try (var inside = Files.list(elsewhere)) {
            assertThat(inside).isEmpty();
        }
    }

    /**
     * The agent, writing the workspace a pull goes into, swaps the folder the pull made for a link
     * to a folder of the user's (standing for ~/.ssh) while the pull goes on: what follows still goes
     * into the folder the pull made (each step relative to its open descriptor), nothing into the
     * link's target, whose mode stays too.
     */
    @Test
    void aFolderSwappedForALinkWhileThePullGoesOnStillReceivesItNotTheLinksTarget() throws IOException {
        String head = "HTTP/1.1 200 OK\r\n";
        Path local = dir.resolve("copy"), moved = dir.resolve("moved");
        Path outside = Files.createDirectory(dir.resolve("outside"));
        Files.setPosixFilePermissions(outside, PosixFilePermissions.fromString("rwx------"));
        fake.on("HEAD " + FILES + "%2Fd", raw(head + "X-Incus-Type: directory\r\nX-Incus-Mode: 0777\r\n\r\n"));
        fake.on("GET " + FILES + "%2Fd", raw(http(200, "X-Incus-Type: directory\r\n", envelope("[\"authorized_keys\",\"sub\",\"l\"]"))));
        fake.on("HEAD " + FILES + "%2Fd%2Fauthorized_keys", (request, conn) -> {
            Files.move(local, moved);
            Files.createSymbolicLink(local, outside);
            conn.write(head + "X-Incus-Type: file\r\nX-Incus-Mode: 0644\r\n\r\n");
        });
        fake.on("GET " + FILES + "%2Fd%2Fauthorized_keys", raw(http(200, "X-Incus-Type: file\r\nX-Incus-Mode: 0644\r\n", "ssh-ed25519 AAAA agent")));
        fake.on("HEAD " + FILES + "%2Fd%2Fsub", raw(head + "X-Incus-Type: directory\r\nX-Incus-Mode: 0755\r\n\r\n"));
        fake.on("GET " + FILES + "%2Fd%2Fsub", raw(http(200, "X-Incus-Type: directory\r\n", envelope("[]"))));
        fake.on("HEAD " + FILES + "%2Fd%2Fl", raw(head + "X-Incus-Type: symlink\r\nX-Incus-Mode: 0777\r\n\r\n"));
        fake.on("GET " + FILES + "%2Fd%2Fl", raw(http(200, "X-Incus-Type: symlink\r\n", "/etc/passwd")));

        assertThat(files.pullTree("/d", local)).isEqualTo(4);

        try (var inside = Files.list(outside)) {
            assertThat(inside).as("nothing written through the link").isEmpty();
        }
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(outside))).isEqualTo("rwx------");
        assertThat(moved.resolve("authorized_keys")).hasContent("ssh-ed25519 AAAA agent");
        assertThat(moved.resolve("sub")).isDirectory();
        assertThat(Files.readSymbolicLink(moved.resolve("l"))).isEqualTo(Path.of("/etc/passwd"));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(moved))).isEqualTo("rwxrwxrwx");
    }

    /**
     * A relative path (how a folder of the workspace one is in is named) is walked from the current
     * directory without following a link on the way: the agent may have made {@code out} a link to
     * a folder the host runs files from. An absolute path is the user's own, followed as given.
     */
    @Test
    void aRelativePathIsNotFollowedThroughALinkOnTheWayAnAbsoluteOneIs() throws IOException {
        Path rel = Path.of("target", "instance-files-" + java.util.UUID.randomUUID());
        try {
            Path outside = Files.createDirectories(rel.resolve("outside"));
            Files.createSymbolicLink(rel.resolve("out"), outside.toAbsolutePath());
            Files.writeString(outside.resolve("id_ed25519"), "PRIVATE KEY");
            fake.on("HEAD " + FILES + "%2Fr%2Fagent.service", raw("HTTP/1.1 200 OK\r\nX-Incus-Type: file\r\nX-Incus-Mode: 0644\r\n\r\n"));
            fake.on("GET " + FILES + "%2Fr%2Fagent.service", raw(http(200, "X-Incus-Type: file\r\nX-Incus-Mode: 0644\r\n", "[Service]")));

            assertThatThrownBy(() -> files.pullTree("/r/agent.service", rel.resolve("out/agent.service"))).isInstanceOf(IncusException.HostFile.class)
                    .hasMessageContaining(rel.resolve("out") + " is a symbolic link: coi does not follow a link in a relative path");
            assertThat(outside.resolve("agent.service")).as("nothing written through the link").doesNotExist();
            assertThatThrownBy(() -> files.push(rel.resolve("out/id_ed25519"), "/tmp/k", -1, -1, -1)).isInstanceOf(IncusException.class)
                    .hasMessageContaining(rel.resolve("out") + " is a symbolic link");
            assertThatThrownBy(() -> files.pushTree(rel.resolve("out"), "/tmp/k", -1, -1)).isInstanceOf(IncusException.class)
                    .hasMessageContaining(rel.resolve("out") + " is a symbolic link");
            assertThat(fake.requests()).as("nothing sent").noneMatch(r -> r.method().equals("POST"));

            // a folder of its own, ".." and "." on the way: walked, no link among them
            assertThat(files.pullTree("/r/agent.service", rel.resolve("outside/../outside/./agent.service"))).isEqualTo(1);
            assertThat(outside.resolve("agent.service")).hasContent("[Service]");
            Files.delete(outside.resolve("agent.service"));
            assertThat(files.pullTree("/r/agent.service", rel.toAbsolutePath().resolve("out/agent.service"))).isEqualTo(1);
            assertThat(outside.resolve("agent.service")).as("an absolute path is followed as given").hasContent("[Service]");
        } finally {
            try (var all = Files.walk(rel)) {
                for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
            }
        }
    }

    /** Names no file can have (a container's listing is the agent's to shape) are refused, nothing written for them. */
    @Test
    void aListedNameThatIsNoFileNameIsRefused() throws IOException {
        String head = "HTTP/1.1 200 OK\r\n";
        fake.on("HEAD " + FILES + "%2Fd", raw(head + "X-Incus-Type: directory\r\nX-Incus-Mode: 0755\r\n\r\n"));
        fake.on("GET " + FILES + "%2Fd", raw(http(200, "X-Incus-Type: directory\r\n", envelope("[\"..\"]"))));
        fake.on("HEAD " + FILES + "%2Fd%2F..", raw(head + "X-Incus-Type: file\r\nX-Incus-Mode: 0644\r\n\r\n"));
        fake.on("GET " + FILES + "%2Fd%2F..", raw(http(200, "X-Incus-Type: file\r\nX-Incus-Mode: 0644\r\n", "x")));

        assertThatThrownBy(() -> files.pullTree("/d", dir.resolve("copy"))).isInstanceOf(IncusException.class)
                .hasMessageContaining("the container lists a name no file can have");
        try (var left = Files.list(dir.resolve("copy"))) {
            assertThat(left).isEmpty();
        }
    }

    @Test
    void aFolderIsNotPulledOntoAFile() throws IOException {
        fake.on("HEAD " + FILES + "%2Fd", raw("HTTP/1.1 200 OK\r\nX-Incus-Type: directory\r\nX-Incus-Mode: 0755\r\n\r\n"));
        Path local = Files.writeString(dir.resolve("d"), "mine");

        assertThatThrownBy(() -> files.pullTree("/d", local)).isInstanceOf(IncusException.class)
                .hasMessageContaining(local + ": not a folder");
        assertThat(local).hasContent("mine");
    }

    @Test
    void aLinksTargetIsReadUpToTheLongestPathOnly() {
        fake.on("HEAD " + FILES + "%2Fl", raw("HTTP/1.1 200 OK\r\nX-Incus-Type: symlink\r\nX-Incus-Mode: 0777\r\n\r\n"));
        // swapped for a big file after the stat: its content is no link target
        fake.on("GET " + FILES + "%2Fl", raw(http(200, "X-Incus-Type: symlink\r\n", "x".repeat(InstanceFiles.MAX_LINK + 1))));

        assertThatThrownBy(() -> files.pullTree("/l", dir.resolve("l"))).isInstanceOf(IncusException.class)
                .hasMessageContaining("has a target longer than any path");
        assertThat(dir.resolve("l")).doesNotExist();
    }

    @Test
    void aLinkSwappedForAFileAfterItsStatIsNotPulledAsALink() {
        fake.on("HEAD " + FILES + "%2Fl", raw("HTTP/1.1 200 OK\r\nX-Incus-Type: symlink\r\nX-Incus-Mode: 0777\r\n\r\n"));
        fake.on("GET " + FILES + "%2Fl", raw(http(200, "X-Incus-Type: file\r\n", "/etc/passwd")));

        assertThatThrownBy(() -> files.pullTree("/l", dir.resolve("l"))).isInstanceOf(IncusException.class)
                .hasMessageContaining("/l in c1 is not a symbolic link any more");
    }
}
