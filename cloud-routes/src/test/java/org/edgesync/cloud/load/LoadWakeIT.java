package org.edgesync.cloud.load;

import org.edgesync.cloud.testing.CloudNode;
import org.edgesync.cloud.testing.TestDatabase;
import org.edgesync.cloud.testing.TestPostgres;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.edgesync.cloud.testing.Fixtures.count;
import static org.edgesync.cloud.testing.Fixtures.enrol;
import static org.edgesync.cloud.testing.Fixtures.gzip;
import static org.edgesync.cloud.testing.Fixtures.post;
import static org.edgesync.cloud.testing.Fixtures.productInserts;

/** A real node: a staged batch starts the loader at once instead of at the next scheduled fire. */
class LoadWakeIT {

    private static final Duration AT_MOST = Duration.ofSeconds(Long.getLong("edgesync.test.wait.seconds", 60) / 3);

    private TestDatabase db;
    private CloudNode node;

    @AfterEach
    void stop() {
        if (node != null) {
            node.close();
        }
        db.close();
    }

    @Test
    void shouldLoadAStagedBatchLongBeforeTheNextScheduledFire() throws Exception {
        db = TestPostgres.newDatabase();
        // scheduled hourly: without a wake nothing would load within the wait below
        node = CloudNode.start(db, Map.of("edgesync.load.cron", "0 0 * * * ?"));
        enrol(db.dataSource(), "pos-1", "store-1");

        assertThat(post(node.ingestUri("pos-1"), "pos-1", gzip(productInserts("pos-1", 1, 50))).statusCode()).isEqualTo(200);
        assertThat(post(node.ingestUri("pos-1"), "pos-1", gzip(productInserts("pos-1", 51, 100))).statusCode()).isEqualTo(200);

        await("both batches loaded").atMost(AT_MOST).until(() -> count(db.dataSource(),
                "SELECT coalesce(max(loaded_through_seq), 0) FROM edgesync.load_progress WHERE device_id = 'pos-1'") == 100);
        assertThat(count(db.dataSource(), "SELECT count(*) FROM retail.product")).isEqualTo(100);
    }

    @Test
    void shouldNotLoadWhileAnOperatorHasPausedTheLoadJob() throws Exception {
        db = TestPostgres.newDatabase();
        node = CloudNode.start(db, Map.of("edgesync.load.cron", "0/2 * * * * ?"));
        enrol(db.dataSource(), "pos-1", "store-1");
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        int paused = org.edgesync.cloud.admin.JobsCommand.run(new String[] {
                        "-Dedgesync.config.dir=" + CloudNode.CONFIG_DIR, "-Dedgesync.db.url=" + db.jdbcUrl(),
                        "-Dedgesync.db.user=" + db.user(), "-Dedgesync.db.password=" + db.password(),
                        "pause", "load-staged-changes"},
                new java.io.PrintStream(new java.io.ByteArrayOutputStream(), true),
                new java.io.PrintStream(err, true), key -> null);
        assertThat(paused).as(err.toString()).isZero();

        assertThat(post(node.ingestUri("pos-1"), "pos-1", gzip(productInserts("pos-1", 1, 50))).statusCode()).isEqualTo(200);

        await("paused: ingest does not start a load either").during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(8))
                .until(() -> count(db.dataSource(), "SELECT count(*) FROM retail.product") == 0);
    }
}
