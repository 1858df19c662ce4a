package org.edgesync.edge;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

class EdgeJvmTest {

    @TempDir
    Path dir;

    @Test
    void shouldWriteAnArchiveAtExitWhenThereIsNone() throws Exception {
        Path jar = Files.writeString(dir.resolve("edgesync-edge.jar"), "jar");

        assertThat(EdgeJvm.classDataSharing(dir.resolve("edge.jsa"), jar))
                .contains("-XX:ArchiveClassesAtExit=" + dir.resolve("edge.jsa"));
    }

    @Test
    void shouldUseAnArchiveWrittenAfterTheJar() throws Exception {
        Path jar = Files.writeString(dir.resolve("edgesync-edge.jar"), "jar");
        Path archive = Files.writeString(dir.resolve("edge.jsa"), "archive");
        Files.setLastModifiedTime(jar, FileTime.from(Instant.parse("2026-11-01T00:00:00Z")));
        Files.setLastModifiedTime(archive, FileTime.from(Instant.parse("2026-11-02T00:00:00Z")));

        assertThat(EdgeJvm.classDataSharing(archive, jar)).contains("-XX:SharedArchiveFile=" + archive)
                .noneMatch(option -> option.startsWith("-XX:ArchiveClassesAtExit"));
    }

    @Test
    void shouldReplaceAnArchiveOlderThanTheJar() throws Exception {
        Path jar = Files.writeString(dir.resolve("edgesync-edge.jar"), "jar");
        Path archive = Files.writeString(dir.resolve("edge.jsa"), "archive");
        Files.setLastModifiedTime(archive, FileTime.from(Instant.parse("2026-11-01T00:00:00Z")));
        Files.setLastModifiedTime(jar, FileTime.from(Instant.parse("2026-11-02T00:00:00Z")));

        assertThat(EdgeJvm.classDataSharing(archive, jar)).contains("-XX:ArchiveClassesAtExit=" + archive);
        assertThat(archive).doesNotExist();
    }
}
