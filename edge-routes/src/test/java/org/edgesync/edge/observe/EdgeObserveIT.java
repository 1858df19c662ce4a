package org.edgesync.edge.observe;

import org.edgesync.artemis.EdgeBroker;
import org.edgesync.edge.CloudStub;
import org.edgesync.edge.EdgeRuntime;
import org.edgesync.edge.ShopDatabase;
import org.edgesync.edge.TestKeys;
import org.edgesync.edge.Timeouts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Health and metrics of a real edge (real SQLite file, the embedded broker with its journal, a cloud stub over HTTP),
 * read over HTTP from its management server the way Prometheus and a supervisor read them.
 */
class EdgeObserveIT {

    private static final long ONE_HOUR_MS = 3_600_000;
    private static final String DEVICE = "store-042-pos-1";

    @TempDir
    Path dir;
    private Path shop;
    private CloudStub cloud;
    private EdgeRuntime edge;

    @BeforeEach
    void setUp() throws Exception {
        shop = ShopDatabase.create(dir.resolve("shop.db"));
        cloud = new CloudStub();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (edge != null) {
            edge.close();
        }
        cloud.close();
    }

    private void startEdge() throws Exception {
        Map<String, String> props = new HashMap<>();
        props.put("edgesync.sqlite.path", shop.toString());
        props.put("edgesync.broker.data.dir", dir.resolve("broker").toString());
        props.put("edgesync.cloud.url", cloud.url());
        props.put("edgesync.device.id", DEVICE);
        props.put("edgesync.device.key", TestKeys.encoded(DEVICE));
        props.put("edgesync.poll.batch.size", "5");
        props.put("edgesync.poll.interval.ms", "100");
        props.put("edgesync.metrics.cache.ms", "0");
        edge = EdgeRuntime.start(props);
    }

    private Scrape scrape() throws Exception {
        return Scrape.of(edge.managementUri("/observe/metrics"));
    }

    private HttpResponse<String> ready() throws Exception {
        return Scrape.get(edge.managementUri("/observe/health/ready"));
    }

    private void captureTwelveProductsAnHourAgo() throws Exception {
        try (Connection c = ShopDatabase.open(shop)) {
            c.setAutoCommit(false);
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO products VALUES (?, 'Brot', 299, 'now')")) {
                for (int i = 1; i <= 12; i++) {
                    insert.setString(1, "A-" + i);
                    insert.executeUpdate();
                }
            }
            c.commit();
        }
        ShopDatabase.execute(shop, "UPDATE _edgesync_changes SET captured_at = " + (System.currentTimeMillis() - ONE_HOUR_MS));
    }

    @Test
    void shouldCountBacklogQueueRedeliveriesAndOutcomesWhileTheCloudIsAwayAndBack() throws Exception {
        cloud.answer(batch -> new CloudStub.Answer(503, "{\"error\":\"database unavailable\"}"));
        startEdge();
        edge.context().getRouteController().stopRoute("poll-changes");
        long captured = System.currentTimeMillis();
        captureTwelveProductsAnHourAgo();

        Scrape waiting = scrape();
        assertThat(waiting.value("edgesync_edge_change_backlog")).isEqualTo(12);
        assertThat(waiting.value("edgesync_edge_changes_captured_total")).isEqualTo(12);
        assertThat(waiting.value("edgesync_edge_oldest_unsent_age_seconds"))
                .isBetween(3600.0, 3600.0 + (System.currentTimeMillis() - captured) / 1000.0 + 1);
        assertThat(waiting.value("edgesync_edge_queue_depth")).isZero();
        assertThat(waiting.value("edgesync_edge_batches_published_total")).isZero();

        // Polling resumes; the cloud still answers 503, so the three batches wait in the broker and are redelivered.
        edge.context().getRouteController().startRoute("poll-changes");
        await("the backlog in the broker").atMost(Timeouts.seconds(30)).untilAsserted(() -> {
            Scrape s = scrape();
            assertThat(s.value("edgesync_edge_change_backlog")).isZero();
            assertThat(s.value("edgesync_edge_oldest_unsent_age_seconds")).isZero();
            assertThat(s.value("edgesync_edge_queue_depth")).isEqualTo(3);
            assertThat(s.value("edgesync_edge_batches_published_total")).isEqualTo(3);
            assertThat(s.value("edgesync_edge_changes_published_total")).isEqualTo(12);
            assertThat(s.value("edgesync_edge_redeliveries_total")).isGreaterThanOrEqualTo(2);
        });
        // Redeliveries go on (two batches in flight): compare the counters between two attempts, not during one.
        await("every attempt answered and counted").atMost(Timeouts.seconds(30)).untilAsserted(() -> {
            int requests = cloud.requests().size();
            Scrape away = scrape();
            assertThat(away.value("edgesync_edge_cloud_responses_total", "status=\"503\""))
                    .isEqualTo(away.value("edgesync_edge_batches_sent_total"))
                    .isEqualTo(requests);
            assertThat(away.value("edgesync_edge_batches_acked_total")).isZero();
        });
        assertThat(ready().statusCode()).as("a device whose cloud is away still does its job").isEqualTo(200);

        // The cloud is back but refuses the first batch for good.
        cloud.answer(batch -> batch.firstSeq() == 1
                ? new CloudStub.Answer(422, "{\"error\":\"unknown table\"}")
                : CloudStub.Answer.accepted(batch));
        await("the queue drained").atMost(Timeouts.seconds(90)).untilAsserted(() -> {
            Scrape s = scrape();
            assertThat(s.value("edgesync_edge_queue_depth")).isZero();
            assertThat(s.value("edgesync_edge_dlq_depth")).isEqualTo(1);
            assertThat(s.value("edgesync_edge_batches_acked_total")).isEqualTo(2);
            assertThat(s.value("edgesync_edge_batches_dead_lettered_total")).isEqualTo(1);
        });
        Scrape back = scrape();
        assertThat(back.value("edgesync_edge_cloud_responses_total", "status=\"200\"")).isEqualTo(2);
        assertThat(back.value("edgesync_edge_cloud_responses_total", "status=\"422\"")).isEqualTo(1);
        assertThat(back.value("edgesync_edge_batches_sent_total")).isEqualTo(cloud.requests().size());
        assertThat(back.value("edgesync_edge_changes_captured_total")).isEqualTo(12);
        assertThat(back.has("camel_exchanges_total")).as("Camel's route counters are served too").isTrue();
    }

    @Test
    void shouldCountAttemptsWithoutAnAnswer() throws Exception {
        cloud.close();
        startEdge();
        ShopDatabase.execute(shop, "INSERT INTO products VALUES ('B-1', 'Milch', 99, 'now')");

        await("failed attempts").atMost(Timeouts.seconds(30)).untilAsserted(() -> {
            Scrape s = scrape();
            assertThat(s.value("edgesync_edge_cloud_responses_total", "status=\"none\"")).isGreaterThanOrEqualTo(2);
            assertThat(s.value("edgesync_edge_redeliveries_total")).isGreaterThanOrEqualTo(2);
            assertThat(s.value("edgesync_edge_queue_depth")).isEqualTo(1);
        });
        cloud = new CloudStub();
    }

    @Test
    void shouldBeNotReadyWhileTheSqliteFileIsGoneAndReadyWhenItIsBack() throws Exception {
        startEdge();
        await("ready").atMost(Timeouts.seconds(30)).until(() -> ready().statusCode() == 200);
        assertThat(Scrape.get(edge.managementUri("/observe/health/live")).statusCode()).isEqualTo(200);

        Path away = dir.resolve("shop.db.away");
        Files.move(shop, away);
        HttpResponse<String> missing = ready();
        assertThat(missing.statusCode()).isEqualTo(503);
        assertThat(missing.body()).contains("edgesync-sqlite", "DOWN", "is missing");
        assertThat(Scrape.get(edge.managementUri("/observe/health/live")).statusCode())
                .as("not a reason to restart the edge").isEqualTo(200);

        Files.move(away, shop);
        await("ready again").atMost(Timeouts.seconds(30)).until(() -> ready().statusCode() == 200);
    }

    @Test
    void shouldBeNotReadyWhenTheBrokerStops() throws Exception {
        startEdge();
        await("ready").atMost(Timeouts.seconds(30)).until(() -> ready().statusCode() == 200);

        edge.context().getRegistry().lookupByNameAndType("edgeBroker", EdgeBroker.class).close();

        HttpResponse<String> down = ready();
        assertThat(down.statusCode()).isEqualTo(503);
        assertThat(down.body()).contains("edgesync-broker", "DOWN", "broker is not running");
        assertThat(scrape().value("edgesync_edge_queue_depth")).isNaN();
    }
}
