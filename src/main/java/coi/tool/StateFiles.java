package coi.tool;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.Set;

/**
 * Reading the host user's tool files and writing a session's state dir. Everything written is
 * owner-only: seeded files hold credentials or sit next to them.
 */
final class StateFiles {
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private StateFiles() {}

    /** Copies the content (a symlink's target, never the link) if the host has the file. */
    static void copyIfPresent(Path from, Path to) throws IOException {
        if (Files.isRegularFile(from)) {
            write(to, Files.readAllBytes(from));
        }
    }

    static Optional<String> readIfPresent(Path file) throws IOException {
        return Files.isRegularFile(file) ? Optional.of(Files.readString(file)) : Optional.empty();
    }

    /** The file's top-level JSON object, or an empty one if the file is absent. */
    static ObjectNode readObject(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            return JSON.createObjectNode();
        }
        JsonNode node;
        try {
            node = JSON.readTree(file.toFile());
        } catch (JsonProcessingException e) {
            throw new IOException(file + " is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (node == null || node.isMissingNode()) {
            return JSON.createObjectNode();
        }
        if (!(node instanceof ObjectNode object)) {
            throw new IOException(file + " must hold a JSON object, found " + node.getNodeType());
        }
        return object;
    }

    static void writeJson(Path file, JsonNode node) throws IOException {
        write(file, JSON.writeValueAsBytes(node));
    }

    static void writeString(Path file, String content) throws IOException {
        write(file, content.getBytes(StandardCharsets.UTF_8));
    }

    private static void write(Path file, byte[] content) throws IOException {
        Files.createDirectories(file.getParent());
        // Created owner-only before any byte lands, so a credential is never readable by others.
        if (Files.notExists(file, LinkOption.NOFOLLOW_LINKS)) {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        } else {
            Files.setPosixFilePermissions(file, OWNER_ONLY);
        }
        Files.write(file, content);
    }
}
