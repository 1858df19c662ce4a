package org.edgesync.edge.config;

import org.edgesync.edge.EdgeRuntime;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** A copy of the real route-config in a temporary directory, for a test to break one file of it as an operator might. */
public final class ConfigCopy {

    private ConfigCopy() {
    }

    public static Path of(Path target) throws IOException {
        Path source = EdgeRuntime.CONFIG_DIR.toAbsolutePath().normalize();
        try (Stream<Path> files = Files.walk(source)) {
            files.forEach(file -> {
                try {
                    Path copy = target.resolve(source.relativize(file).toString());
                    if (Files.isDirectory(file)) {
                        Files.createDirectories(copy);
                    } else {
                        Files.copy(file, copy);
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
        return target;
    }

    /** Replaces the first occurrence of a text in a file of the copy; fails when the text is not there. */
    public static Path edit(Path configDir, String file, String text, String replacement) throws IOException {
        Path path = configDir.resolve(file);
        String content = Files.readString(path);
        int at = content.indexOf(text);
        if (at < 0) {
            throw new AssertionError(file + " no longer contains \"" + text + "\": update the test");
        }
        Files.writeString(path, content.substring(0, at) + replacement + content.substring(at + text.length()));
        return path.toAbsolutePath().normalize();
    }

    /** The 1-based number of the first line of the file that contains the text. */
    public static int lineOf(Path file, String text) throws IOException {
        var lines = Files.readAllLines(file);
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains(text)) {
                return i + 1;
            }
        }
        throw new AssertionError(file + " does not contain \"" + text + "\"");
    }
}
