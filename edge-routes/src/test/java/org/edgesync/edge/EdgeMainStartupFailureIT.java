package org.edgesync.edge;

import org.edgesync.edge.config.ConfigCopy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What an operator sees on the console of a device after a bad edit: {@code java -jar edgesync-edge.jar} on a
 * broken copy of route-config exits with status 2 and one ERROR line that names the file, the line and what is
 * allowed, and no stack trace.
 */
class EdgeMainStartupFailureIT {

    @TempDir
    Path dir;

    @Test
    void shouldExitWithOneSentenceAndNoStackTraceWhenARouteFileHasAnUnknownEndpointOption() throws Exception {
        Path config = ConfigCopy.of(dir.resolve("route-config"));
        Path file = ConfigCopy.edit(config, "edge/routes/poll-changes.camel.yaml", "initialDelay:", "initialDelai:");
        ShopDatabase.create(dir.resolve("shop.db"));

        try (EdgeProcess edge = EdgeProcess.start(dir, "edge", Map.of(
                "edgesync.config.dir", config.toString(),
                "edgesync.sqlite.path", dir.resolve("shop.db").toString(),
                "edgesync.broker.data.dir", dir.resolve("broker").toString()),
                Map.of("EDGESYNC_DEVICE_KEY", TestKeys.encoded("store-001-pos-1")))) {

            assertThat(edge.awaitExit(Duration.ofSeconds(Long.getLong("edgesync.test.wait.seconds", 60))))
                    .as("exit status").isEqualTo(EdgeMain.CONFIGURATION_ERROR);
            assertThat(edge.stderrLines()).filteredOn(line -> line.contains("ERROR")).singleElement().asString()
                    .contains("EdgeSync edge cannot start: Route file " + file + " (route poll-changes), line "
                            + ConfigCopy.lineOf(file, "initialDelai:") + ": endpoint scheduler has no option \"initialDelai\"");
            assertThat(edge.output()).doesNotContain("\tat ").doesNotContain("Exception");
        }
    }
}
