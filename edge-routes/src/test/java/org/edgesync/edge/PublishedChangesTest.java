package org.edgesync.edge;

import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The published mark and the DELETE behind it, on a real SQLite file with the capture installed. */
class PublishedChangesTest {

    @TempDir
    Path dir;

    private Path shopWithChanges(int changes) throws Exception {
        Path shop = ShopDatabase.create(dir.resolve("shop.db"));
        ShopDatabase.installCapture(shop);
        for (int id = 1; id <= changes; id++) {
            ShopDatabase.execute(shop, "INSERT INTO sales VALUES (" + id + ", 'R-" + id + "', 100, 1, NULL, NULL)");
        }
        return shop;
    }

    @Test
    void shouldDeleteOnlyWhatWasPublished() throws Exception {
        Path shop = shopWithChanges(5);
        try (HikariDataSource pool = SqliteDataSources.create(shop)) {
            PublishedChanges published = new PublishedChanges(pool, 2);
            assertThat(published.after()).isZero();
            assertThat(published.delete()).as("nothing published yet").isZero();

            published.published(3);

            assertThat(published.after()).isEqualTo(3);
            assertThat(published.deleteIfUnlocked()).as("one chunk").isEqualTo(2);
            assertThat(published.delete()).as("the rest, up to what was published").isEqualTo(1);
            assertThat(ShopDatabase.query(shop, "SELECT min(seq) AS low, count(*) AS n FROM _edgesync_changes").get(0))
                    .containsEntry("low", 4).containsEntry("n", 2);
            assertThat(published.delete()).as("already deleted").isZero();

            published.published(5);
            assertThat(published.delete()).as("chunk by chunk until done").isEqualTo(2);
            assertThat(ShopDatabase.changeCount(shop)).isZero();
        }
    }

    @Test
    void shouldLeaveThePublishedRowsWhenTheShopHoldsItsWriteLockAndDeleteThemLater() throws Exception {
        Path shop = shopWithChanges(4);
        try (HikariDataSource pool = SqliteDataSources.create(shop)) {
            PublishedChanges published = new PublishedChanges(pool, 2);
            published.published(4);
            try (Connection till = ShopDatabase.holdingWriteLock(shop, "INSERT INTO sales VALUES (5, 'R-5', 100, 1, NULL, NULL)")) {

                long started = System.nanoTime();
                assertThat(published.deleteIfUnlocked()).isZero();
                assertThat((System.nanoTime() - started) / 1_000_000).as("ms waited for the lock")
                        .isLessThan(SqliteDataSources.BUSY_TIMEOUT_MS / 2);
                till.commit();
            }
            assertThat(ShopDatabase.changeCount(shop)).isEqualTo(5);

            assertThat(published.deleteIfUnlocked()).isEqualTo(2);
            assertThat(published.delete()).isEqualTo(2);
            assertThat(ShopDatabase.changeCount(shop)).isEqualTo(1);
            try (Connection connection = pool.getConnection()) {
                assertThat(connection.unwrap(org.sqlite.SQLiteConnection.class).getBusyTimeout())
                        .as("the pooled connection's lock wait, restored").isEqualTo(SqliteDataSources.BUSY_TIMEOUT_MS);
            }
        }
    }

    @Test
    void shouldLeaveThePublishedRowsToTheNextPollWhileTheShopHoldsItsLock() throws Exception {
        Path shop = shopWithChanges(3);
        try (HikariDataSource pool = SqliteDataSources.create(shop)) {
            PublishedChanges published = new PublishedChanges(pool, 2);
            published.published(3);
            try (Connection till = ShopDatabase.holdingWriteLock(shop, "INSERT INTO sales VALUES (4, 'R-4', 100, 1, NULL, NULL)")) {
                long started = System.nanoTime();
                assertThat(published.delete()).isZero();
                assertThat((System.nanoTime() - started) / 1_000_000).as("ms waited for the lock")
                        .isLessThan(SqliteDataSources.BUSY_TIMEOUT_MS / 2);
                till.commit();
            }
            assertThat(published.delete()).as("all of them once the lock is free").isEqualTo(3);
            assertThat(ShopDatabase.changeCount(shop)).isEqualTo(1);
        }
    }

    @Test
    void shouldWaitForTheLockForOneChunkWhenABacklogOfPublishedRowsPiledUp() throws Exception {
        int rows = PublishedChanges.WAIT_AFTER_CHUNKS + 2;
        Path shop = shopWithChanges(rows);
        try (HikariDataSource pool = SqliteDataSources.create(shop)) {
            PublishedChanges published = new PublishedChanges(pool, 1);
            published.published(rows);
            try (Connection till = ShopDatabase.holdingWriteLock(shop, "INSERT INTO sales VALUES (1000, 'R', 100, 1, NULL, NULL)")) {
                CompletableFuture<Integer> deleting = CompletableFuture.supplyAsync(() -> {
                    try {
                        return published.delete();
                    } catch (SQLException e) {
                        throw new IllegalStateException(e);
                    }
                });
                await("the delete waits while the shop holds its lock").during(Duration.ofMillis(300))
                        .atMost(Duration.ofSeconds(2)).until(() -> !deleting.isDone());

                till.commit();
                assertThat(deleting.get(SqliteDataSources.BUSY_TIMEOUT_MS, TimeUnit.MILLISECONDS))
                        .as("the chunk it waited for, then the lock is left to the shop").isEqualTo(1);
            }
            assertThat(published.delete()).as("the rest, the lock being free").isEqualTo(rows - 1);
        }
    }

    @Test
    void shouldNotHoldThePollWhileTheShopKeepsWriting() throws Exception {
        Path shop = shopWithChanges(100);
        try (HikariDataSource pool = SqliteDataSources.create(shop)) {
            PublishedChanges published = new PublishedChanges(pool, 1);
            published.published(100);
            AtomicBoolean writing = new AtomicBoolean(true);
            // a till writing flat out: its write lock is free only between two of its transactions
            CompletableFuture<Void> till = CompletableFuture.runAsync(() -> {
                try (Connection connection = ShopDatabase.open(shop); Statement statement = connection.createStatement()) {
                    for (int id = 1000; writing.get(); id++) {
                        statement.execute("BEGIN IMMEDIATE");
                        statement.executeUpdate("INSERT INTO sales VALUES (" + id + ", 'R', 100, 1, NULL, NULL)");
                        statement.executeUpdate("UPDATE sales SET total_cents = total_cents + 1 WHERE id = " + id);
                        statement.execute("COMMIT");
                    }
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            try {
                await("the till writing").atMost(Duration.ofSeconds(5))
                        .until(() -> ShopDatabase.changeCount(shop) > 200);

                int deleted = published.delete();

                // before, the poll's end waited for the lock chunk by chunk until all 100 were gone: publishing
                // stalled for as long as the shop kept writing (4 s in the benchmark's end to end)
                assertThat(deleted).as("chunks whose lock was free at once").isLessThan(100);
                assertThat(ShopDatabase.query(shop, "SELECT count(*) AS n FROM _edgesync_changes WHERE seq <= 100").get(0)
                        .get("n")).as("published rows left for the next poll").isNotEqualTo(0);
            } finally {
                writing.set(false);
                till.get(10, TimeUnit.SECONDS);
            }
            assertThat(published.delete()).as("the rest, once the till paused").isPositive();
            assertThat(ShopDatabase.query(shop, "SELECT count(*) AS n FROM _edgesync_changes WHERE seq <= 100").get(0))
                    .containsEntry("n", 0);
        }
    }

    @Test
    void shouldReadFromTheLowestRowAgainWhenTheTablesSeqRestarted() throws Exception {
        Path shop = shopWithChanges(2);
        try (HikariDataSource pool = SqliteDataSources.create(shop)) {
            PublishedChanges published = new PublishedChanges(pool, 2);
            published.published(2);
            assertThat(published.after(2L)).isEqualTo(2);
            assertThat(published.after(null)).as("empty table").isEqualTo(2);

            assertThat(published.after(1L)).isZero();
            assertThat(published.after()).isZero();
        }
    }
}
