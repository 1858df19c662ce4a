package org.edgesync.edge;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The advisory telemetry headers of every batch request, through the real routes, SQLite file and broker: the
 * change-table backlog and oldest unsent age as of the poll, the DLQ depth, and the software and config versions.
 */
class EdgeTelemetryIT {

    private static final long ONE_HOUR_MS = 3_600_000;

    @TempDir
    Path dir;
    private Path shop;
    private CloudStub cloud;
    private EdgeRuntime edge;

    @BeforeEach
    void setUp() throws Exception {
        shop = ShopDatabase.create(dir.resolve("shop.db"));
        ShopDatabase.installCapture(shop);
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
        props.put("edgesync.device.id", "store-042-pos-1");
        props.put("edgesync.device.key", TestKeys.encoded("store-042-pos-1"));
        props.put("edgesync.poll.batch.size", "5");
        props.put("edgesync.poll.interval.ms", "100");
        edge = EdgeRuntime.start(props);
    }

    /** 12 product inserts captured an hour ago (by the device clock) while the edge was not running. */
    private long captureTwelveChangesAnHourAgo() throws Exception {
        try (java.sql.Connection c = ShopDatabase.open(shop)) {
            c.setAutoCommit(false);
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO products VALUES (?, 'Brot', 299, 'now')")) {
                for (int i = 1; i <= 12; i++) {
                    insert.setString(1, "A-" + i);
                    insert.executeUpdate();
                }
            }
            c.commit();
        }
        long capturedAt = System.currentTimeMillis() - ONE_HOUR_MS;
        ShopDatabase.execute(shop, "UPDATE _edgesync_changes SET captured_at = " + capturedAt);
        return capturedAt;
    }

    private CloudStub.Received request(long firstSeq) {
        return cloud.requests().stream().filter(r -> r.batch() != null && r.batch().firstSeq() == firstSeq)
                .reduce((a, b) -> b).orElseThrow(() -> new AssertionError("no request for seq " + firstSeq));
    }

    @Test
    void shouldReportTheBacklogAndOldestUnsentAgeAtPollTime() throws Exception {
        captureTwelveChangesAnHourAgo();
        long started = System.currentTimeMillis();
        startEdge();

        await("all changes at the cloud").atMost(Timeouts.seconds(30)).until(() -> cloud.acceptedSeqs().size() >= 12);

        assertThat(request(1).header("X-EdgeSync-Backlog")).isEqualTo("12");
        assertThat(request(6).header("X-EdgeSync-Backlog")).isEqualTo("7");
        assertThat(request(11).header("X-EdgeSync-Backlog")).isEqualTo("2");
        long oldestMs = Long.parseLong(request(1).header("X-EdgeSync-Oldest-Unsent-Ms"));
        assertThat(oldestMs).isBetween(ONE_HOUR_MS, ONE_HOUR_MS + System.currentTimeMillis() - started + 1000);
        assertThat(cloud.requests()).allSatisfy(r -> {
            assertThat(r.header("X-EdgeSync-Dlq-Depth")).isEqualTo("0");
            assertThat(r.header("X-EdgeSync-Version")).isEqualTo("dev");
            assertThat(r.header("X-EdgeSync-Config-Version")).matches("[0-9a-f]{12}");
            assertThat(r.signed()).as("telemetry headers are outside the signature").isTrue();
        });

        ShopDatabase.execute(shop, "INSERT INTO products VALUES ('B-1', 'Milch', 99, 'now')");
        await("the next change at the cloud").atMost(Timeouts.seconds(30)).until(() -> cloud.acceptedSeqs().contains(13L));
        assertThat(request(13).header("X-EdgeSync-Backlog")).isEqualTo("1");
        assertThat(Long.parseLong(request(13).header("X-EdgeSync-Oldest-Unsent-Ms"))).isBetween(0L, 30_000L);
    }

    @Test
    void shouldReportTheDeadLetterQueueDepth() throws Exception {
        captureTwelveChangesAnHourAgo();
        cloud.answer(batch -> batch.firstSeq() == 1
                ? new CloudStub.Answer(422, "{\"error\":\"unknown table\"}")
                : CloudStub.Answer.accepted(batch));
        startEdge();

        await("the batches behind the rejected one at the cloud").atMost(Timeouts.seconds(30))
                .until(() -> cloud.acceptedSeqs().size() >= 7);

        assertThat(request(1).header("X-EdgeSync-Dlq-Depth")).isEqualTo("0");
        // Two batches are in flight at once, so the batches behind 1-5 may leave before its move to the DLQ is
        // committed: the depth is read when a batch is polled. The shop keeps selling until a batch reports it.
        java.util.concurrent.atomic.AtomicInteger sales = new java.util.concurrent.atomic.AtomicInteger();
        await("a batch polled after the refusal reports the DLQ depth").atMost(Timeouts.seconds(30))
                .pollInterval(java.time.Duration.ofMillis(500)).until(() -> {
                    ShopDatabase.execute(shop, "INSERT INTO products VALUES ('B-" + sales.incrementAndGet() + "', 'Milch', 99, 'now')");
                    return cloud.requests().stream().anyMatch(r -> "1".equals(r.header("X-EdgeSync-Dlq-Depth")));
                });
        assertThat(cloud.requests()).allSatisfy(r -> assertThat(r.header("X-EdgeSync-Dlq-Depth")).isIn("0", "1"));
    }
}
