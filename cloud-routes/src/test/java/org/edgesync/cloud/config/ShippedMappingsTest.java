package org.edgesync.cloud.config;

import org.edgesync.cloud.mapping.TableMappings;
import org.edgesync.cloud.testing.CloudNode;
import org.junit.jupiter.api.Test;

import java.io.Reader;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The shipped route-config is consistent across the two roles: every table the edge captures by default has a
 * mapping in the cloud's mappings.yaml. The cloud cannot check this at startup (it does not know which tables its
 * devices capture): a change of an unmapped table is accepted, staged and then quarantined by the loader with the
 * reason "has no mapping", until the mapping is added and the change replayed.
 */
class ShippedMappingsTest {

    @Test
    void shouldMapEveryTableTheEdgeCapturesByDefault() throws Exception {
        Properties edge = new Properties();
        try (Reader reader = Files.newBufferedReader(CloudNode.CONFIG_DIR.resolve("edge").resolve("edge.properties"))) {
            edge.load(reader);
        }
        List<String> captured = Arrays.stream(edge.getProperty("edgesync.capture.tables").split(","))
                .map(String::trim).filter(t -> !t.isEmpty()).toList();
        TableMappings mappings = TableMappings.load(CloudNode.CONFIG_DIR.resolve("cloud").resolve("mappings.yaml"));

        assertThat(captured).isNotEmpty().allSatisfy(table -> assertThat(mappings.mapping(table))
                .as("mapping in cloud/mappings.yaml for captured table %s (edge.properties edgesync.capture.tables)", table)
                .isPresent());
    }
}
