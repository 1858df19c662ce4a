package org.edgesync.edge.housekeeping;

import org.apache.camel.BeanInject;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.main.MainConfigurationProperties;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.apache.camel.test.main.junit5.Configure;
import org.edgesync.edge.EdgeMain;
import org.edgesync.edge.EdgeRuntime;
import org.edgesync.edge.ShopDatabase;
import org.edgesync.edge.TestKeys;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The real edge-housekeeping route (real edge.properties, YAML, SQLite file and broker), fired on demand instead of
 * by its hourly scheduler: it runs the free-space step on the shop's file and reads the broker's DLQ depth for its
 * warning.
 */
@CamelMainTest(
        propertyPlaceholderLocations = "file:../route-config/edge/edge.properties",
        properties = {
                "edgesync.sqlite.path=" + EdgeHousekeepingRouteTest.DIR + "/shop.db",
                "edgesync.broker.data.dir=" + EdgeHousekeepingRouteTest.DIR + "/broker",
                "edgesync.device.key.file=" + EdgeHousekeepingRouteTest.DIR + "/device.key",
                "edgesync.cloud.url=http://127.0.0.1:9",
                "camel.main.jmx-enabled=false"},
        replaceRouteFromWith = {"edge-housekeeping=direct:edge-housekeeping"},
        mockEndpointsAndSkip = "http*")
class EdgeHousekeepingRouteTest {

    static final String DIR = "target/edge-housekeeping-test";

    @BeanInject
    CamelContext context;

    @BeforeAll
    static void freshShop() throws Exception {
        Path dir = Path.of(DIR);
        if (Files.exists(dir)) {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        Files.createDirectories(dir);
        ShopDatabase.create(dir.resolve("shop.db"));
        Files.writeString(dir.resolve("device.key"), TestKeys.encoded("store-001-pos-1") + "\n");
    }

    @Configure
    protected void configure(MainConfigurationProperties configuration) {
        EdgeMain.configure(configuration, EdgeRuntime.CONFIG_DIR);
    }

    @Test
    void shouldCheckTheShopFilesSpaceAndTheDeadLetterQueue() {
        context.createProducerTemplate().sendBody("jms:queue:edgesync.batches.dlq?deliveryPersistent=true", "{}");

        Exchange run = context.createProducerTemplate().request("direct:edge-housekeeping", e -> { });

        assertThat(run.getException()).isNull();
        assertThat(run.getMessage().getBody()).isInstanceOf(SqliteSpace.Reclaimed.class);
        assertThat(run.getProperty("edgesyncDlqDepth", Long.class)).isEqualTo(1L);
    }
}
