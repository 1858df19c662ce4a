package org.edgesync.edge;

import org.apache.camel.BeanInject;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.AdviceWithRouteBuilder;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.main.MainConfigurationProperties;
import org.apache.camel.test.main.junit5.AdviceRouteMapping;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.apache.camel.test.main.junit5.Configure;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The order that makes poll-changes safe: send the batch, then delete its rows. With the real YAML
 * and a broker that refuses every send (as it does when its queue or disk is full), the DELETE must
 * never run, the rows stay, and the route keeps polling instead of hanging.
 */
@CamelMainTest(
        propertyPlaceholderLocations = "file:../route-config/edge/edge.properties",
        properties = {
                "edgesync.sqlite.path=" + PollOrderRouteTest.DIR + "/shop.db",
                "edgesync.broker.data.dir=" + PollOrderRouteTest.DIR + "/broker",
                "edgesync.device.key.file=" + PollOrderRouteTest.DIR + "/device.key",
                "edgesync.cloud.url=http://127.0.0.1:9",
                "edgesync.poll.batch.size=10",
                "edgesync.poll.interval.ms=100",
                "camel.main.jmx-enabled=false",
                // no management server: these tests need no /observe endpoints and must not compete for its port
                "camel.management.enabled=false"},
        mockEndpointsAndSkip = "http*",
        advices = @AdviceRouteMapping(route = "poll-changes", advice = PollOrderRouteTest.BrokerRefusesEverySend.class))
class PollOrderRouteTest {

    static final String DIR = "target/poll-order-route-test";

    @BeanInject
    CamelContext context;

    /** Replaces the JMS send of poll-changes by one that fails like a full broker. */
    public static class BrokerRefusesEverySend extends AdviceWithRouteBuilder {
        @Override
        public void configure() {
            weaveByToUri("jms:queue:edgesync.batches*").replace()
                    .to("mock:refusingBroker")
                    .throwException(new IllegalStateException("AMQ229102: Address \"edgesync.batches\" is full."));
        }
    }

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
    void shouldNeverDeleteChangesWhoseSendFailedAndKeepPolling() throws Exception {
        Path shop = Path.of(DIR, "shop.db");
        MockEndpoint refusingBroker = context.getEndpoint("mock:refusingBroker", MockEndpoint.class);

        ShopDatabase.execute(shop, "INSERT INTO sales VALUES (1, 'R-1', 100, 1, NULL, NULL)",
                "INSERT INTO sales VALUES (2, 'R-2', 200, 2, NULL, NULL)");

        await("three polls tried to send").atMost(Timeouts.seconds(20)).until(() -> refusingBroker.getReceivedCounter() >= 3);
        assertThat(ShopDatabase.changeCount(shop)).as("changes still in the change table").isEqualTo(2);
        assertThat(refusingBroker.getReceivedExchanges())
                .allSatisfy(e -> assertThat(e.getMessage().getHeader("EdgeSyncFirstSeq", Long.class)).isEqualTo(1L));
    }
}
