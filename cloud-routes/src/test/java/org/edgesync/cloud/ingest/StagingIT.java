package org.edgesync.cloud.ingest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;


import org.edgesync.cloud.auth.RequestAuthenticator;
import org.edgesync.cloud.auth.SeenRequests;
import org.edgesync.cloud.support.Migrations;
import org.edgesync.cloud.testing.CloudNode;
import org.edgesync.cloud.testing.Fixtures;
import org.edgesync.cloud.testing.TestDatabase;
import org.edgesync.cloud.testing.TestPostgres;
import org.edgesync.contract.Change;
import org.edgesync.contract.ChangeBatch;
import org.edgesync.contract.Operation;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.edgesync.cloud.testing.Fixtures.batch;
import static org.edgesync.cloud.testing.Fixtures.count;
import static org.edgesync.cloud.testing.Fixtures.enrol;
import static org.edgesync.cloud.testing.Fixtures.gzip;
import static org.edgesync.cloud.testing.Fixtures.ingestSigned;
import static org.edgesync.cloud.testing.Fixtures.ingestor;
import static org.edgesync.cloud.testing.Fixtures.obj;
import static org.edgesync.cloud.testing.Fixtures.product;

/** What the ingestor writes to edgesync.staged_change, against a real PostgreSQL. */
class StagingIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    private TestDatabase db;
    private DataSource ds;
    private BatchIngestor ingestor;

    @BeforeEach
    void migrate() throws Exception {
        db = TestPostgres.newDatabase();
        ds = db.dataSource();
        Migrations.migrate(ds, CloudNode.CONFIG_DIR.resolve("cloud/sql"));
        ingestor = ingestor(ds);
        enrol(ds, "pos-1", "store-1");
    }

    @AfterEach
    void drop() {
        db.close();
    }

    @Test
    void shouldStageEveryChangeExactlyAsSentWhateverCharactersItsTextHolds() throws Exception {
        List<String> names = List.of("tab\there", "line\nbreak\r", "back\\slash", "\\N", "say \"hi\"", "{a,b}", "Grüße ✓ 😀", "");
        List<Change> changes = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            changes.add(new Change(i + 1, "products", Operation.INSERT, obj().put("sku", "k\\" + i),
                    obj().put("sku", "k\\" + i).put("name", names.get(i)).put("price_cents", -i), 1_700_000_000_123L + i));
        }
        changes.add(product(names.size() + 1, Operation.DELETE, "gone", null, 0));
        ChangeBatch sent = ChangeBatch.of("pos-1", changes);

        IngestResult result = ingestSigned(ingestor, "pos-1", gzip(sent));

        assertThat(result).isEqualTo(new IngestResult(changes.size(), 0));
        for (Change change : changes) {
            assertThat(count(ds, "SELECT count(*) FROM edgesync.staged_change WHERE device_id = 'pos-1' AND seq = ?"
                            + " AND table_name = ? AND op = ? AND pk = ?::jsonb AND \"row\" IS NOT DISTINCT FROM ?::jsonb"
                            + " AND captured_at = timestamptz 'epoch' + ? * interval '1 millisecond'",
                    change.seq(), change.table(), change.op().wireName(), JSON.writeValueAsString(change.pk()),
                    change.row() == null ? null : JSON.writeValueAsString(change.row()), change.capturedAt()))
                    .as("seq %d", change.seq()).isEqualTo(1);
        }
    }

    @Test
    void shouldStageOnlyTheNewSeqsOfABatchResentInPartAndKeepTheStagedOnes() throws Exception {
        ingestSigned(ingestor, "pos-1", gzip(batch("pos-1",
                product(1, Operation.INSERT, "A", "first", 1),
                product(2, Operation.INSERT, "B", "first", 1),
                product(5, Operation.INSERT, "E", "first", 1))));

        IngestResult gapFilled = ingestSigned(ingestor, "pos-1", gzip(batch("pos-1",
                product(3, Operation.INSERT, "C", "second", 1),
                product(4, Operation.INSERT, "D", "second", 1))));
        IngestResult overlapping = ingestSigned(ingestor, "pos-1", gzip(batch("pos-1",
                product(2, Operation.UPDATE, "B", "second", 1),
                product(5, Operation.UPDATE, "E", "second", 1),
                product(6, Operation.INSERT, "F", "second", 1),
                product(7, Operation.INSERT, "G", "second", 1))));

        assertThat(gapFilled).isEqualTo(new IngestResult(2, 0));
        assertThat(overlapping).isEqualTo(new IngestResult(2, 2));
        assertThat(count(ds, "SELECT count(*) FROM edgesync.staged_change WHERE device_id = 'pos-1'")).isEqualTo(7);
        assertThat(count(ds, "SELECT count(*) FROM edgesync.staged_change WHERE \"row\"->>'name' = 'first'"
                + " AND seq IN (1, 2, 5) AND op = 'insert'")).isEqualTo(3);
        assertThat(count(ds, "SELECT count(*) FROM edgesync.staged_change WHERE \"row\"->>'name' = 'second'"
                + " AND seq IN (3, 4, 6, 7)")).isEqualTo(4);
    }

    @Test
    void shouldTakeARateLimitTokenWithoutWaitingForTheWriteAheadLogToReachTheDisk() throws Exception {
        ingestSigned(ingestor, "pos-1", gzip(batch("pos-1", product(1, Operation.INSERT, "A", "first", 1))));

        assertThat(count(ds, "SELECT count(*) FROM edgesync.rate_bucket WHERE device_id = 'pos-1'")).isEqualTo(1);
        // every request takes its token in a transaction of its own, before the staging one: a logged bucket made
        // each request wait for two WAL flushes instead of one; an unlogged table's commit does not flush
        assertThat(count(ds, "SELECT count(*) FROM pg_class WHERE oid = 'edgesync.rate_bucket'::regclass"
                + " AND relpersistence = 'u'")).isEqualTo(1);
    }

    @Test
    void shouldDecodeNoMoreBatchesAtOnceThanItHasDecodingSlots() throws Exception {
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger mostInside = new AtomicInteger();
        CountDownLatch release = new CountDownLatch(1);
        // holds its slot until the test releases it, standing for a batch's CPU work
        RequestAuthenticator held = new RequestAuthenticator(Fixtures.MASTER_KEY, 300, Clock.systemUTC()) {
            @Override
            public void verify(Admitted admitted, byte[] json) {
                mostInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                inside.decrementAndGet();
                super.verify(admitted, json);
            }
        };
        BatchIngestor twoSlots = new BatchIngestor(ds, 1 << 24, 100_000, held, new RateLimiter(1_000_000, 1_000_000),
                new SeenRequests(ds, 300), 2);
        for (int d = 1; d <= 6; d++) {
            enrol(ds, "till-" + d, "store-1");
        }
        ExecutorService devices = Executors.newFixedThreadPool(6);
        try {
            List<Future<IngestResult>> results = new ArrayList<>();
            for (int d = 1; d <= 6; d++) {
                String device = "till-" + d;
                results.add(devices.submit(() -> ingestSigned(twoSlots, device,
                        gzip(batch(device, product(1, Operation.INSERT, "A", "first", 1))))));
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> inside.get() >= 2);
            // the other four wait for a slot while the two hold theirs
            await("two requests decoding, four waiting for a slot").during(Duration.ofMillis(300))
                    .atMost(Duration.ofSeconds(2)).until(() -> inside.get() == 2);
            release.countDown();
            for (Future<IngestResult> result : results) {
                assertThat(result.get(30, TimeUnit.SECONDS)).isEqualTo(new IngestResult(1, 0));
            }
        } finally {
            devices.shutdownNow();
        }
        // six requests at once, two decoded at a time: on a node's few cores, twenty requests decoding side by side
        // each took twenty times as long, and every batch's latency with it
        assertThat(mostInside).hasValue(2);
    }

    @Test
    void shouldHoldNoConnectionWhileItChecksTheSignatureOfABatch() throws Exception {
        HikariConfig config = new HikariConfig();
        config.setDataSource(ds);
        config.setMaximumPoolSize(3);
        try (HikariDataSource pool = new HikariDataSource(config)) {
            AtomicInteger busyWhileVerifying = new AtomicInteger(-1);
            RequestAuthenticator watching = new RequestAuthenticator(Fixtures.MASTER_KEY, 300, Clock.systemUTC()) {
                @Override
                public void verify(Admitted admitted, byte[] json) {
                    busyWhileVerifying.set(pool.getHikariPoolMXBean().getActiveConnections());
                    super.verify(admitted, json);
                }
            };
            BatchIngestor pooled = new BatchIngestor(pool, 1 << 24, 100_000, watching,
                    new RateLimiter(1_000_000, 1_000_000), new SeenRequests(pool, 300));

            IngestResult result = ingestSigned(pooled, "pos-1", gzip(batch("pos-1",
                    product(1, Operation.INSERT, "A", "first", 1), product(2, Operation.INSERT, "B", "first", 1))));

            assertThat(result).isEqualTo(new IngestResult(2, 0));
            // inflating, the signature and decoding are most of a request's CPU: a connection held across them
            // would wait on the node's own CPU instead of serving another request
            assertThat(busyWhileVerifying).hasValue(0);
        }
    }
}
