package org.edgesync.edge.config;

import org.apache.camel.CamelContext;
import org.apache.camel.component.scheduler.SchedulerEndpoint;
import org.apache.camel.component.sql.SqlEndpoint;
import org.apache.camel.main.Main;
import org.edgesync.edge.EdgeMain;
import org.edgesync.edge.ShopDatabase;
import org.edgesync.edge.TestKeys;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Changing the poll interval or the batch size needs no rebuild: the same jar, started on a route-config whose
 * edge.properties an operator edited, or with a -D override, runs the poll route with the new values.
 */
class EdgeOperatorSettingsIT {

    @TempDir
    Path dir;

    @Test
    void shouldPollWithTheIntervalOfTheEditedFileAndTheBatchSizeOfTheSystemProperty() throws Exception {
        Path config = ConfigCopy.of(dir.resolve("route-config"));
        ConfigCopy.edit(config, "edge/edge.properties", "edgesync.poll.interval.ms=1000", "edgesync.poll.interval.ms=2500");
        ShopDatabase.create(dir.resolve("shop.db"));
        System.setProperty("edgesync.poll.batch.size", "42");
        Main main = new Main();
        try {
            main.setPropertyPlaceholderLocations(EdgeMain.propertiesLocation(config));
            EdgeMain.configure(main.configure(), config);
            main.addOverrideProperty("edgesync.sqlite.path", dir.resolve("shop.db").toString());
            main.addOverrideProperty("edgesync.broker.data.dir", dir.resolve("broker").toString());
            main.addOverrideProperty("edgesync.device.key", TestKeys.encoded("store-001-pos-1"));
            main.addOverrideProperty("camel.main.jmx-enabled", "false");
            main.start();
            CamelContext context = main.getCamelContext();

            SchedulerEndpoint poll = (SchedulerEndpoint) context.getRoute("poll-changes").getEndpoint();
            assertThat(poll.getDelay()).as("poll delay in ms").isEqualTo(2500);
            assertThat(context.getEndpoints()).filteredOn(SqlEndpoint.class::isInstance)
                    .map(e -> ((SqlEndpoint) e).getQuery())
                    .anySatisfy(query -> assertThat(query).startsWith("SELECT seq").endsWith("LIMIT 42"));
        } finally {
            System.clearProperty("edgesync.poll.batch.size");
            main.stop();
        }
    }
}
