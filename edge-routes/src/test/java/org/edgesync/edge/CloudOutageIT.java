package org.edgesync.edge;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * While the cloud is down, the edge pauses forwarding instead of trying every queued batch in turn: the broker's
 * redelivery delay holds back only the batch that failed, so without a pause the forward route would take the next
 * one, and the next, each attempt costing a request and keeping the batch in the broker's memory. After a few
 * failures in a row it stops taking batches, tries one now and then, and resumes when one gets through.
 */
class CloudOutageIT {

    private static final int BATCHES = 30;

    @TempDir
    Path dir;
    private CloudStub cloud;
    private EdgeRuntime edge;

    @AfterEach
    void tearDown() throws Exception {
        if (edge != null) {
            edge.close();
        }
        if (cloud != null) {
            cloud.close();
        }
    }

    @Test
    void shouldPauseForwardingWhileTheCloudFailsAndDeliverEveryBatchOnceWhenItIsBack() throws Exception {
        cloud = new CloudStub();
        AtomicBoolean down = new AtomicBoolean(true);
        cloud.answer(batch -> down.get()
                ? new CloudStub.Answer(503, "{\"error\":\"database unavailable\"}")
                : CloudStub.Answer.accepted(batch));
        Path shop = ShopDatabase.create(dir.resolve("shop.db"));
        edge = EdgeRuntime.start(Map.of(
                "edgesync.sqlite.path", shop.toString(),
                "edgesync.broker.data.dir", dir.resolve("broker").toString(),
                "edgesync.cloud.url", cloud.url(),
                "edgesync.device.key", TestKeys.encoded("store-001-pos-1"),
                "edgesync.poll.interval.ms", "100",
                "edgesync.poll.batch.size", "1",
                "edgesync.forward.pause.after.failures", "3",
                "edgesync.forward.pause.ms", "2000",
                "camel.main.jmx-enabled", "false"));

        ShopDatabase.execute(shop, "WITH RECURSIVE n(v) AS (SELECT 1 UNION ALL SELECT v + 1 FROM n WHERE v < " + BATCHES
                + ") INSERT INTO products SELECT 'P-' || v, 'Product', 100, 'now' FROM n");
        await("every change journaled as its own batch").atMost(Timeouts.seconds(30))
                .until(() -> ShopDatabase.changeCount(shop) == 0);
        await("the cloud refused the first attempts").atMost(Timeouts.seconds(30))
                .until(() -> cloud.requests().size() >= 3);

        int before = cloud.requests().size();
        // Trying the 30 queued batches in turn, each after its own 1 s, 2 s, 4 s backoff, knocks dozens of times in
        // 6 s (64 before the pause existed); paused, the edge lets one batch per consumer through every 2 s.
        await("at most 10 requests in 6 s of outage with " + BATCHES + " batches queued")
                .during(Duration.ofSeconds(6)).atMost(Duration.ofSeconds(8))
                .until(() -> cloud.requests().size() - before <= 10);

        down.set(false);
        // the next probe gets through and resumes forwarding; each batch then waits at most its own redelivery delay
        // (10 s at most by default), not a probe per batch
        await("every batch delivered soon after the outage").atMost(Timeouts.seconds(25))
                .until(() -> cloud.acceptedSeqs().size() >= BATCHES);
        assertThat(cloud.acceptedSeqs().stream().sorted().collect(Collectors.toList()))
                .as("each change accepted exactly once")
                .isEqualTo(LongStream.rangeClosed(1, BATCHES).boxed().collect(Collectors.toList()));
        await().pollDelay(Duration.ofSeconds(1)).atMost(Timeouts.seconds(10))
                .until(() -> cloud.acceptedSeqs().size() == BATCHES);
    }
}
