package coi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFileTest {
    @Test
    void writesTheWholeContentOwnerOnlyAndLeavesNoTempFile(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("sub/record.tsv");
        AtomicFile.write(file, "first\n".getBytes());
        AtomicFile.write(file, "second, longer\n".getBytes());
        assertThat(Files.readString(file)).isEqualTo("second, longer\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        try (Stream<Path> left = Files.list(file.getParent())) {
            assertThat(left.map(p -> p.getFileName().toString())).containsExactly("record.tsv");
        }
    }

    @Test
    void writersOfOneFileAtOnceEachWriteAWholeOne(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("metadata.json");
        List<Future<?>> writes = new ArrayList<>();
        try (var pool = Executors.newFixedThreadPool(8)) {
            for (int w = 0; w < 8; w++) {
                byte[] content = ("writer " + w + "\n").repeat(5_000).getBytes();
                writes.add(pool.submit(() -> {
                    for (int k = 0; k < 20; k++) AtomicFile.write(file, content);
                    return null;
                }));
            }
            for (Future<?> f : writes) f.get();
        }
        String last = Files.readString(file);
        assertThat(last).isEqualTo(last.lines().findFirst().orElseThrow().concat("\n").repeat(5_000));
        try (Stream<Path> left = Files.list(dir)) {
            assertThat(left.map(p -> p.getFileName().toString())).containsExactly("metadata.json");
        }
    }

    @Test
    void aFileThatCannotBeReplacedLeavesItsTempFileRemoved(@TempDir Path dir) throws IOException {
        Path folder = Files.createDirectories(dir.resolve("a-folder-in-its-place"));
        Files.writeString(folder.resolve("keep"), "x");
        assertThatThrownBy(() -> AtomicFile.write(folder, "new".getBytes())).isInstanceOf(IOException.class);
        try (Stream<Path> left = Files.list(dir)) {
            assertThat(left.map(p -> p.getFileName().toString())).containsExactly("a-folder-in-its-place");
        }
        assertThat(Files.readString(folder.resolve("keep"))).isEqualTo("x");
    }

    /** The temp names are predictable (process and counter): one someone planted, a link to elsewhere, is passed over, not followed. */
    @Test
    void aLinkPlantedAtTheNextTempNamesIsPassedOverNotFollowed(@TempDir Path dir) throws IOException {
        Path elsewhere = Files.writeString(dir.resolve("elsewhere.txt"), "untouched\n");
        Path folder = Files.createDirectories(dir.resolve("state"));
        Path file = folder.resolve("metadata.json");
        long next = AtomicFile.COUNTER.get() + 1;
        for (long k = next; k < next + 5; k++) {
            Files.createSymbolicLink(folder.resolve("." + file.getFileName() + "." + ProcessHandle.current().pid() + "." + k + ".tmp"), elsewhere);
        }
        AtomicFile.write(file, "written\n".getBytes());
        assertThat(Files.readString(file)).isEqualTo("written\n");
        assertThat(Files.isSymbolicLink(file)).isFalse();
        assertThat(Files.readString(elsewhere)).isEqualTo("untouched\n");
        try (Stream<Path> left = Files.list(folder)) {
            assertThat(left.filter(Files::isSymbolicLink)).hasSize(5);
        }
    }
}
