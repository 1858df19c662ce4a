package org.edgesync.edge;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class EdgeJvmTest {

    @TempDir
    Path dir;

    /** The systemd unit cannot call EdgeJvm, so it repeats the flags: a change to one must reach the other. */
    @Test
    void shouldStartTheSystemdUnitWithTheSameFlagsAndEnvironment() throws Exception {
        List<String> unit = Files.readAllLines(Path.of("../ops/deploy/edgesync-edge.service"));
        String execStart = unit.stream().filter(line -> line.startsWith("ExecStart=")).findFirst().orElseThrow();
        List<String> words = Arrays.asList(execStart.substring("ExecStart=".length()).trim().split("\\s+"));

        assertThat(words.subList(1, 1 + EdgeJvm.OPTIONS.size())).isEqualTo(EdgeJvm.OPTIONS);
        EdgeJvm.ENVIRONMENT.forEach((key, value) -> assertThat(unit).contains("Environment=" + key + "=" + value));
    }

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
