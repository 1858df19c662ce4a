package org.edgesync.edge;

import org.apache.camel.spi.CamelEvent;
import org.apache.camel.support.EventNotifierSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The shop keeps writing small transactions with sqlite-jdbc defaults on its own connection while
 * the edge polls and deletes: neither side may see "database is locked", every change must be
 * published, and a shop that holds its write lock for long does not hold up publishing.
 */
class ConcurrentShopWriterIT {

    private static final int SALES = 400;

    @TempDir
    Path dir;

    @Test
    void shouldPublishEveryChangeWithoutLockErrorsWhileTheShopKeepsWriting() throws Exception {
        Path shop = ShopDatabase.create(dir.resolve("shop.db"));
        List<String> edgeFailures = new CopyOnWriteArrayList<>();
        List<SQLException> shopFailures = new CopyOnWriteArrayList<>();

        try (CloudStub cloud = new CloudStub(); EdgeRuntime edge = startEdge(shop, cloud, 50, 20)) {
            edge.context().getManagementStrategy().addEventNotifier(new EventNotifierSupport() {
                @Override
                public void notify(CamelEvent event) {
                    if (event instanceof CamelEvent.ExchangeFailedEvent failed) {
                        edgeFailures.add(String.valueOf(failed.getExchange().getException()));
                    } else if (event instanceof CamelEvent.ExchangeFailureHandledEvent handled) {
                        edgeFailures.add(String.valueOf(handled.getExchange().getProperty("CamelExceptionCaught")));
                    }
                }
            });

            Thread writer = new Thread(() -> writeSales(shop, shopFailures), "shop-writer");
            writer.start();
            writer.join(Timeouts.seconds(120).toMillis());
            assertThat(writer.isAlive()).as("shop writer finished").isFalse();

            long changes = SALES * 3L;
            await("every change at the cloud").atMost(Timeouts.seconds(60))
                    .until(() -> cloud.acceptedSeqs().size() >= changes);
            assertThat(cloud.acceptedSeqs()).containsExactlyInAnyOrderElementsOf(
                    LongStream.rangeClosed(1, changes).boxed().toList());
            assertThat(ShopDatabase.highestSeq(shop)).isEqualTo(changes);
            await("change table emptied").atMost(Timeouts.seconds(10)).until(() -> ShopDatabase.changeCount(shop) == 0);
        }
        assertThat(shopFailures).as("shop write errors").isEmpty();
        assertThat(edgeFailures).as("edge exchange failures").isEmpty();
    }

    @Test
    void shouldKeepPublishingWhileTheShopHoldsItsWriteLockAndDeleteOnceItIsFree() throws Exception {
        Path shop = ShopDatabase.create(dir.resolve("shop.db"));
        try (CloudStub cloud = new CloudStub(); EdgeRuntime edge = startEdge(shop, cloud, 10, 50)) {
            edge.context().getRouteController().stopRoute("poll-changes");
            for (int id = 1; id <= 30; id++) {
                ShopDatabase.execute(shop, "INSERT INTO sales VALUES (" + id + ", 'R-" + id + "', 100, 1, NULL, NULL)");
            }
            try (Connection till = ShopDatabase.holdingWriteLock(shop, "INSERT INTO sales VALUES (31, 'R-31', 100, 1, NULL, NULL)")) {
                edge.context().getRouteController().startRoute("poll-changes");

                // well within the time a DELETE waits for the lock (not scaled: it is the point): all three batches
                // go out meanwhile
                await("the three batches at the cloud while the shop holds its lock")
                        .atMost(Duration.ofMillis(SqliteDataSources.BUSY_TIMEOUT_MS / 2))
                        .until(() -> cloud.acceptedSeqs().size() >= 30);
                assertThat(ShopDatabase.changeCount(shop)).as("published rows wait for the lock to be deleted").isEqualTo(30);

                till.commit();
            }
            await("the shop's last change at the cloud").atMost(Timeouts.seconds(20))
                    .until(() -> cloud.acceptedSeqs().size() >= 31);
            await("change table emptied").atMost(Timeouts.seconds(10)).until(() -> ShopDatabase.changeCount(shop) == 0);
            assertThat(cloud.acceptedSeqs()).containsExactlyInAnyOrderElementsOf(LongStream.rangeClosed(1, 31).boxed().toList());
        }
    }

    private EdgeRuntime startEdge(Path shop, CloudStub cloud, int batchSize, int pollIntervalMs) throws Exception {
        return EdgeRuntime.start(Map.of(
                "edgesync.sqlite.path", shop.toString(),
                "edgesync.broker.data.dir", dir.resolve("broker").toString(),
                "edgesync.cloud.url", cloud.url(),
                "edgesync.device.key", TestKeys.encoded("store-001-pos-1"),
                "edgesync.poll.batch.size", String.valueOf(batchSize),
                "edgesync.poll.interval.ms", String.valueOf(pollIntervalMs)));
    }

    /** One sale with two lines per transaction, like a till. */
    private static void writeSales(Path shop, List<SQLException> failures) {
        try (Connection c = ShopDatabase.open(shop);
             PreparedStatement sale = c.prepareStatement("INSERT INTO sales VALUES (?, ?, 598, ?, 'ana', NULL)");
             PreparedStatement line = c.prepareStatement("INSERT INTO sale_lines VALUES (?, ?, 'A-1', 1, 299)")) {
            c.setAutoCommit(false);
            for (int id = 1; id <= SALES; id++) {
                try {
                    sale.setInt(1, id);
                    sale.setString(2, "R-" + id);
                    sale.setLong(3, System.currentTimeMillis());
                    sale.executeUpdate();
                    for (int n = 1; n <= 2; n++) {
                        line.setInt(1, id);
                        line.setInt(2, n);
                        line.executeUpdate();
                    }
                    c.commit();
                } catch (SQLException e) {
                    failures.add(e);
                    c.rollback();
                }
            }
        } catch (SQLException e) {
            failures.add(e);
        }
    }
}
