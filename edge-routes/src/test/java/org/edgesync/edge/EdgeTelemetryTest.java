package org.edgesync.edge;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class EdgeTelemetryTest {

    @TempDir
    Path dir;

    @Test
    void shouldReportZeroAgeForAnEmptyChangeTableOrAClockThatWentBack() {
        EdgeTelemetry telemetry = new EdgeTelemetry(() -> 0, capturedAt -> 1_000 - capturedAt, "1.0", "abc");

        assertThat(telemetry.oldestUnsentMs(null)).isZero();
        assertThat(telemetry.oldestUnsentMs(400L)).isEqualTo(600);
        assertThat(telemetry.oldestUnsentMs(5_000L)).isZero();
    }

    @Test
    void shouldLeaveTheDlqDepthOutWhenTheBrokerCannotSay() {
        EdgeTelemetry telemetry = new EdgeTelemetry(() -> {
            throw new IllegalStateException("broker is not started");
        }, "1.0", "abc");

        assertThat(telemetry.dlqDepth()).isNull();
        assertThat(new EdgeTelemetry(() -> 3, "1.0", "abc").dlqDepth()).isEqualTo(3);
    }

    @Test
    void shouldChangeTheConfigVersionWithARouteFileOrAnEffectiveSetting() throws Exception {
        Files.createDirectories(dir.resolve("edge/routes"));
        Files.writeString(dir.resolve("edge/edge.properties"), "edgesync.poll.batch.size=500\n");
        Files.writeString(dir.resolve("edge/routes/poll-changes.camel.yaml"), "- route: {}\n");
        String before = EdgeTelemetry.hashOf(dir, "settings A");

        assertThat(before).matches("[0-9a-f]{12}").isEqualTo(EdgeTelemetry.hashOf(dir, "settings A"));
        assertThat(EdgeTelemetry.hashOf(dir, "settings B")).isNotEqualTo(before);
        Files.writeString(dir.resolve("edge/routes/poll-changes.camel.yaml"), "- route: {id: x}\n");
        assertThat(EdgeTelemetry.hashOf(dir, "settings A")).isNotEqualTo(before);
    }

    @Test
    void shouldCallItselfDevWhenNotRunFromAJar() {
        assertThat(EdgeTelemetry.versionOf(EdgeTelemetryTest.class)).isEqualTo("dev");
    }
}
