package org.edgesync.edge;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * systemd stops the edge with SIGTERM: every part must close in order, the broker included (its journal is then
 * closed cleanly), also with Jolokia on, whose own stop must not break the chain while the JVM is shutting down.
 */
class GracefulStopIT {

    @TempDir
    Path dir;

    @Test
    void shouldStopTheBrokerCleanlyOnSigtermWithJolokiaOn() throws Exception {
        Path shop = ShopDatabase.create(dir.resolve("shop.db"));
        EdgeProcess edge = EdgeProcess.start(dir, "edge", Map.of(
                        "edgesync.sqlite.path", shop.toString(),
                        "edgesync.broker.data.dir", dir.resolve("broker").toString(),
                        "edgesync.cloud.url", "http://127.0.0.1:" + FreePorts.next(),
                        "edgesync.jolokia.port", Integer.toString(FreePorts.next())),
                Map.of("EDGESYNC_DEVICE_KEY", TestKeys.encoded("store-001-pos-1"),
                        "EDGESYNC_JOLOKIA_PASSWORD", UUID.randomUUID().toString()));
        try {
            await("edge started").atMost(Timeouts.seconds(60)).until(() -> edge.output().contains("Started poll-changes"));
            assertThat(edge.output()).contains("Jolokia serves");
        } finally {
            edge.close();
        }
        String log = edge.output();
        assertThat(log).as("the broker stopped (AMQ221002)").contains("AMQ221002");
        assertThat(log).doesNotContain("Shutdown in progress").doesNotContain("Error occurred while shutting down");
    }
}
