package org.edgesync.edge;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A cloud that answers 429 with Retry-After is not called again sooner: the batch waits in the broker as a
 * scheduled message (no thread sleeps), then is delivered once, nothing lost.
 */
class RetryAfterIT {

    @TempDir
    Path dir;
    private CloudStub cloud;
    private EdgeRuntime edge;

    @AfterEach
    void tearDown() throws Exception {
        if (edge != null) {
            edge.close();
        }
        cloud.close();
    }

    private void startEdge() throws Exception {
        edge = EdgeRuntime.start(Map.of(
                "edgesync.sqlite.path", ShopDatabase.create(dir.resolve("shop.db")).toString(),
                "edgesync.broker.data.dir", dir.resolve("broker").toString(),
                "edgesync.cloud.url", cloud.url(),
                "edgesync.device.key", TestKeys.encoded("store-001-pos-1"),
                "edgesync.poll.interval.ms", "100",
                "camel.main.jmx-enabled", "false"));
    }

    @Test
    void shouldNotRetryBeforeTheRetryAfterOfA429AndDeliverTheBatchOnce() throws Exception {
        cloud = new CloudStub();
        AtomicInteger limited = new AtomicInteger(1);
        cloud.answer(batch -> limited.getAndDecrement() > 0
                ? new CloudStub.Answer(429, "{\"error\":\"rate limit\"}", Map.of("Retry-After", "3"))
                : CloudStub.Answer.accepted(batch));
        startEdge();

        // one statement, one transaction: both changes are in the change table before any poll, so in one batch
        ShopDatabase.execute(dir.resolve("shop.db"),
                "INSERT INTO products VALUES ('A-1', 'Brot', 299, 'now'), ('A-2', 'Milch', 129, 'now')");

        await("batch delivered after the wait").atMost(Timeouts.seconds(30)).until(() -> cloud.acceptedSeqs().size() >= 2);
        List<CloudStub.Received> requests = cloud.requests();
        assertThat(requests).extracting(CloudStub.Received::status).containsExactly(429, 200);
        assertThat(requests.get(1).receivedAtMillis() - requests.get(0).receivedAtMillis())
                .as("the second attempt waited the 3 s the cloud asked for").isGreaterThanOrEqualTo(3000);
        assertThat(cloud.acceptedSeqs()).containsExactly(1L, 2L);
        assertThat(requests.get(1).header("X-EdgeSync-Nonce")).isNotEqualTo(requests.get(0).header("X-EdgeSync-Nonce"));
        assertThat(requests.get(1).signed()).isTrue();
        await("queue empty").atMost(Timeouts.seconds(10)).until(() -> ShopDatabase.changeCount(dir.resolve("shop.db")) == 0);
    }

    @Test
    void shouldUseTheBrokersBackoffWhenA503HasNoRetryAfter() throws Exception {
        cloud = new CloudStub();
        AtomicInteger down = new AtomicInteger(1);
        cloud.answer(batch -> down.getAndDecrement() > 0
                ? new CloudStub.Answer(503, "{\"error\":\"database unavailable\"}")
                : CloudStub.Answer.accepted(batch));
        startEdge();

        ShopDatabase.execute(dir.resolve("shop.db"), "INSERT INTO products VALUES ('A-1', 'Brot', 299, 'now')");

        await("batch delivered after one redelivery").atMost(Timeouts.seconds(30)).until(() -> cloud.acceptedSeqs().size() == 1);
        assertThat(cloud.requests()).extracting(CloudStub.Received::status).containsExactly(503, 200);
    }
}
