package org.edgesync.edge.observe;

import com.zaxxer.hikari.HikariDataSource;
import org.edgesync.edge.ShopDatabase;
import org.edgesync.edge.SqliteDataSources;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The change-table figures on a real SQLite file with the capture triggers, and how long one read is reused. */
class ChangeTableReaderTest {

    @TempDir
    Path dir;

    @Test
    void shouldCountTheBacklogOldestAndCapturedAndReuseThemForTheCachePeriod() throws Exception {
        Path shop = ShopDatabase.create(dir.resolve("shop.db"));
        ShopDatabase.installCapture(shop);
        AtomicLong clock = new AtomicLong(1_000);
        try (HikariDataSource pool = SqliteDataSources.create(shop)) {
            ChangeTableReader reader = new ChangeTableReader(pool, 5_000, clock::get);
            assertThat(reader.current()).isEqualTo(new ChangeTableStats(0, null, 0));

            ShopDatabase.execute(shop, "INSERT INTO products VALUES ('A-1', 'Brot', 299, 'now')",
                    "INSERT INTO products VALUES ('A-2', 'Milch', 99, 'now')",
                    "INSERT INTO products VALUES ('A-3', 'Salz', 59, 'now')",
                    "UPDATE _edgesync_changes SET captured_at = 42",
                    "DELETE FROM _edgesync_changes WHERE seq = 1");
            clock.addAndGet(4_999);
            assertThat(reader.current()).as("still cached").isEqualTo(new ChangeTableStats(0, null, 0));

            clock.addAndGet(1);
            assertThat(reader.current()).isEqualTo(new ChangeTableStats(2, 42L, 3));
        }
    }

    @Test
    void shouldRefuseABadCachePeriodNamingTheKey() {
        assertThatThrownBy(() -> ChangeTableReader.cacheMs("soon"))
                .hasMessage("edgesync.metrics.cache.ms is \"soon\", but must be a whole number of milliseconds from 0 to 3600000.");
        assertThat(ChangeTableReader.cacheMs(" 250 ")).isEqualTo(250);
    }
}
