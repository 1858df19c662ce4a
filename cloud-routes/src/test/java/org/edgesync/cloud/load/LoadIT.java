package org.edgesync.cloud.load;

import org.edgesync.cloud.ingest.BatchIngestor;
import org.edgesync.cloud.mapping.TableMappings;
import org.edgesync.cloud.support.Migrations;
import org.edgesync.cloud.testing.CloudNode;
import org.edgesync.cloud.testing.TestDatabase;
import org.edgesync.cloud.testing.TestPostgres;
import org.edgesync.contract.Change;
import org.edgesync.contract.ChangeBatch;
import org.edgesync.contract.Operation;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.edgesync.cloud.testing.Fixtures.ingestSigned;
import static org.edgesync.cloud.testing.Fixtures.ingestor;
import static org.assertj.core.api.Assertions.assertThat;
import static org.edgesync.cloud.testing.Fixtures.batch;
import static org.edgesync.cloud.testing.Fixtures.change;
import static org.edgesync.cloud.testing.Fixtures.count;
import static org.edgesync.cloud.testing.Fixtures.enrol;
import static org.edgesync.cloud.testing.Fixtures.gzip;
import static org.edgesync.cloud.testing.Fixtures.obj;
import static org.edgesync.cloud.testing.Fixtures.product;
import static org.edgesync.cloud.testing.Fixtures.productInserts;

/** The loader against a real PostgreSQL with the real schema, target SQL and mappings. */
class LoadIT {


    private TestDatabase db;
    private DataSource ds;
    private TableMappings mappings;
    private BatchIngestor ingestor;

    @BeforeEach
    void migrate() throws Exception {
        db = TestPostgres.newDatabase();
        ds = db.dataSource();
        Migrations.migrate(ds, CloudNode.CONFIG_DIR.resolve("cloud/sql"));
        mappings = TableMappings.load(CloudNode.CONFIG_DIR.resolve("cloud/mappings.yaml"));
        ingestor = ingestor(ds);
        enrol(ds, "pos-1", "store-1");
    }

    @AfterEach
    void drop() {
        db.close();
    }

    private void stage(ChangeBatch batch) {
        ingestSigned(ingestor, batch.deviceId(), gzip(batch));
    }

    @Test
    void shouldApplyTheLatestVersionBySeqEvenWhenTheLaterBatchArrivesFirst() throws Exception {
        ChangeBatch first = batch("pos-1",
                product(1, Operation.INSERT, "A", "Apple", 100),
                product(2, Operation.INSERT, "B", "Bread", 250),
                product(3, Operation.UPDATE, "A", "Apple", 150));
        ChangeBatch second = batch("pos-1",
                product(4, Operation.DELETE, "B", null, 0),
                product(5, Operation.UPDATE, "A", "Green apple", 175),
                product(6, Operation.INSERT, "C", "Cheese", 999));
        StagedChangeLoader loader = new StagedChangeLoader(ds, mappings, 5000);

        stage(second);
        LoadReport beforeGapCloses = loader.loadAvailable();
        stage(first);
        LoadReport afterGapCloses = loader.loadAvailable();

        assertThat(beforeGapCloses.changes()).isZero();
        assertThat(afterGapCloses.changes()).isEqualTo(6);
        assertThat(afterGapCloses.upserts()).isEqualTo(2);
        assertThat(afterGapCloses.deletes()).isEqualTo(1);
        assertThat(afterGapCloses.superseded()).isEqualTo(3);
        assertThat(products()).containsExactly(
                Map.entry("A", "Green apple 1.75 seq 5 store-1"),
                Map.entry("C", "Cheese 9.99 seq 6 store-1"));
        assertThat(progress("pos-1")).isEqualTo(6);
    }

    @Test
    void shouldReachTheSameResultWhenTheWorkIsSplitAcrossManySmallRuns() throws Exception {
        stage(batch("pos-1",
                product(1, Operation.INSERT, "A", "Apple", 100),
                product(2, Operation.INSERT, "B", "Bread", 250),
                product(3, Operation.UPDATE, "A", "Apple", 150),
                product(4, Operation.DELETE, "B", null, 0),
                product(5, Operation.UPDATE, "A", "Green apple", 175),
                product(6, Operation.INSERT, "C", "Cheese", 999),
                product(7, Operation.DELETE, "C", null, 0)));

        LoadReport report = new StagedChangeLoader(ds, mappings, 2).loadAvailable();

        assertThat(report.changes()).isEqualTo(7);
        assertThat(products()).containsExactly(Map.entry("A", "Green apple 1.75 seq 5 store-1"));
        assertThat(progress("pos-1")).isEqualTo(7);
    }

    @Test
    void shouldStopAtAGapAndContinueWhenTheMissingBatchArrives() throws Exception {
        stage(productInserts("pos-1", 1, 3));
        stage(productInserts("pos-1", 7, 9));
        StagedChangeLoader loader = new StagedChangeLoader(ds, mappings, 5000);

        assertThat(loader.loadAvailable().changes()).isEqualTo(3);
        assertThat(progress("pos-1")).isEqualTo(3);

        stage(productInserts("pos-1", 4, 6));
        assertThat(loader.loadAvailable().changes()).isEqualTo(6);
        assertThat(progress("pos-1")).isEqualTo(9);
        assertThat(count(ds, "SELECT count(*) FROM retail.product")).isEqualTo(9);
    }

    @Test
    void shouldQuarantineWhatCannotBeAppliedWithItsReasonAndLoadTheRest() throws Exception {
        stage(batch("pos-1",
                product(1, Operation.INSERT, "A", "Apple", 100),
                change(2, "customers", Operation.INSERT, obj().put("id", 1), obj().put("id", 1).put("name", "Ann")),
                change(3, "sales", Operation.INSERT, obj().put("id", 1), obj().put("id", 1).put("receipt_no", "R1")
                        .put("total_cents", 500).put("sold_at", "half past nine")),
                change(4, "products", Operation.INSERT, obj().put("sku", "N"), obj().put("sku", "N").putNull("name")
                        .put("price_cents", 1).put("updated_at", "2024-03-01T10:00:00Z")),
                change(5, "sales", Operation.INSERT, obj().put("id", 2), obj().put("id", 2).put("receipt_no", "R2")
                        .put("total_cents", 1250).put("sold_at", 1_700_000_000_000L).put("cashier", "Kim")),
                change(6, "sale_lines", Operation.INSERT, obj().put("sale_id", 2).put("line_no", 1),
                        obj().put("sale_id", 2).put("line_no", 1).put("sku", "A").put("qty", 3).put("unit_price_cents", 150))));

        LoadReport report = new StagedChangeLoader(ds, mappings, 5000).loadAvailable();

        assertThat(report.changes()).isEqualTo(6);
        assertThat(report.quarantined()).isEqualTo(3);
        assertThat(quarantine()).containsExactly(
                Map.entry(2L, "Source table 'customers' has no mapping in mappings.yaml"),
                Map.entry(3L, "Table 'sales' column 'sold_at' has value \"half past nine\" that conversion 'epoch-millis'"
                        + " cannot turn into a value for retail.sale.sold_at (expected a whole number of milliseconds since"
                        + " 1970-01-01T00:00Z)"),
                Map.entry(4L, "Target retail.product refused the row: ERROR: null value in column \"name\" of relation"
                        + " \"product\" violates not-null constraint"));
        assertThat(products()).containsOnlyKeys("A");
        try (Connection c = ds.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT total, sold_at, cashier, store_id FROM retail.sale WHERE sale_id = 2")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getBigDecimal(1)).isEqualTo(new BigDecimal("12.50"));
            assertThat(rs.getObject(2, OffsetDateTime.class).toInstant())
                    .isEqualTo(OffsetDateTime.of(2023, 11, 14, 22, 13, 20, 0, ZoneOffset.UTC).toInstant());
            assertThat(rs.getString(3)).isEqualTo("Kim");
            assertThat(rs.getString(4)).isEqualTo("store-1");
        }
        assertThat(count(ds, "SELECT count(*) FROM retail.sale_line WHERE sale_id = 2 AND unit_price = 1.50")).isEqualTo(1);
        assertThat(progress("pos-1")).isEqualTo(6);
    }

    @Test
    void shouldHoldEveryLaterChangeOfAPoisonedKeyWhileOtherKeysKeepFlowing() throws Exception {
        stage(batch("pos-1",
                product(1, Operation.INSERT, "A", "Apple", 100),
                product(2, Operation.INSERT, "B", "Bread", 250),
                productAt(3, Operation.UPDATE, "A", "Apple", 120, "not a time"),
                product(4, Operation.UPDATE, "A", "Apple", 130),
                product(5, Operation.UPDATE, "B", "Brown bread", 260),
                product(6, Operation.DELETE, "A", null, 0),
                product(7, Operation.INSERT, "C", "Cheese", 999)));

        LoadReport report = new StagedChangeLoader(ds, mappings, 5000).loadAvailable();

        assertThat(report.changes()).isEqualTo(7);
        assertThat(report.quarantined()).isEqualTo(3);
        assertThat(quarantineWithHold()).containsExactly(
                Map.entry(3L, "open null Table 'products' column 'updated_at' has value \"not a time\" that conversion"
                        + " 'iso-timestamp' cannot turn into a value for retail.product.updated_at (expected ISO-8601"
                        + " date-time text such as 2024-03-01T10:15:30+01:00)"),
                Map.entry(4L, "open 3 held behind quarantined seq 3"),
                Map.entry(6L, "open 3 held behind quarantined seq 3"));
        assertThat(products()).containsExactly(
                Map.entry("A", "Apple 1.00 seq 1 store-1"),
                Map.entry("B", "Brown bread 2.60 seq 5 store-1"),
                Map.entry("C", "Cheese 9.99 seq 7 store-1"));
        assertThat(progress("pos-1")).isEqualTo(7);
    }

    @Test
    void shouldKeepHoldingAPoisonedKeyInLaterRunsAndReleaseNothingElse() throws Exception {
        StagedChangeLoader loader = new StagedChangeLoader(ds, mappings, 5000);
        stage(batch("pos-1",
                product(1, Operation.INSERT, "A", "Apple", 100),
                productAt(2, Operation.UPDATE, "A", "Apple", 110, "yesterday")));
        loader.loadAvailable();

        stage(batch("pos-1",
                product(3, Operation.UPDATE, "A", "Apple", 120),
                product(4, Operation.INSERT, "B", "Bread", 250)));
        loader.loadAvailable();
        stage(batch("pos-1", product(5, Operation.DELETE, "A", null, 0)));
        LoadReport third = loader.loadAvailable();

        assertThat(third.quarantined()).isEqualTo(1);
        assertThat(quarantineWithHold()).containsOnlyKeys(2L, 3L, 5L);
        assertThat(quarantineWithHold().get(5L)).isEqualTo("open 2 held behind quarantined seq 2");
        assertThat(products()).containsExactly(
                Map.entry("A", "Apple 1.00 seq 1 store-1"),
                Map.entry("B", "Bread 2.50 seq 4 store-1"));
        assertThat(progress("pos-1")).isEqualTo(5);
    }

    @Test
    void shouldApplyTheEarlierVersionOfARowWhenTheTargetRefusesItsLatestVersion() throws Exception {
        stage(batch("pos-1",
                product(1, Operation.INSERT, "A", "Apple", 100),
                change(2, "products", Operation.UPDATE, obj().put("sku", "A"), obj().put("sku", "A").putNull("name")
                        .put("price_cents", 1).put("updated_at", "2024-03-01T10:00:00Z"))));

        LoadReport report = new StagedChangeLoader(ds, mappings, 5000).loadAvailable();

        assertThat(report.quarantined()).isEqualTo(1);
        assertThat(quarantineWithHold()).containsOnlyKeys(2L);
        assertThat(products()).containsExactly(Map.entry("A", "Apple 1.00 seq 1 store-1"));
    }

    @Test
    void shouldKeepTwoDevicesWithTheSameLocalIdsApart() throws Exception {
        enrol(ds, "pos-2", "store-2");
        stage(batch("pos-1", product(1, Operation.INSERT, "A", "Apple", 100)));
        ChangeBatch other = batch("pos-2", product(1, Operation.INSERT, "A", "Apfel", 120));
        ingestSigned(ingestor, "pos-2", gzip(other));

        new StagedChangeLoader(ds, mappings, 5000).loadAvailable();

        assertThat(count(ds, "SELECT count(*) FROM retail.product WHERE sku = 'A'")).isEqualTo(2);
        assertThat(count(ds, "SELECT count(*) FROM retail.product WHERE sku = 'A' AND device_id = 'pos-2' AND store_id = 'store-2'")).isEqualTo(1);
    }

    @Test
    void shouldApplyEveryChangeExactlyOnceWhenTwoLoadersRunAtOnce() throws Exception {
        List<String> devices = List.of("pos-1", "pos-2", "pos-3");
        enrol(ds, "pos-2", "store-2");
        enrol(ds, "pos-3", "store-3");
        for (String device : devices) {
            for (long first = 1; first <= 600; first += 100) {
                ingestSigned(ingestor, device, gzip(productInserts(device, first, first + 99)));
            }
        }
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE public.product_writes (sku text)");
            s.execute("CREATE FUNCTION public.log_write() RETURNS trigger LANGUAGE plpgsql AS "
                    + "$$ BEGIN INSERT INTO public.product_writes VALUES (NEW.sku); RETURN NEW; END $$");
            s.execute("CREATE TRIGGER log_write AFTER INSERT OR UPDATE ON retail.product FOR EACH ROW EXECUTE FUNCTION public.log_write()");
        }
        CyclicBarrier together = new CyclicBarrier(2);
        Callable<Integer> loader = () -> {
            StagedChangeLoader mine = new StagedChangeLoader(ds, mappings, 50);
            together.await(10, TimeUnit.SECONDS);
            int changes = 0;
            while (progressTotal(devices) < 1800) {
                changes += mine.loadOnce().changes();
            }
            return changes;
        };
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<Integer> a = pool.submit(loader);
            Future<Integer> b = pool.submit(loader);

            int taken = a.get(60, TimeUnit.SECONDS) + b.get(60, TimeUnit.SECONDS);

            assertThat(taken).isEqualTo(1800);
        } finally {
            pool.shutdownNow();
        }
        assertThat(count(ds, "SELECT count(*) FROM retail.product")).isEqualTo(1800);
        assertThat(count(ds, "SELECT count(*) FROM public.product_writes")).isEqualTo(1800);
    }

    @Test
    void shouldWriteEachTargetTableWithOneInsertAndOneDeleteStatementPerRun() throws Exception {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE public.product_statements (op text)");
            s.execute("CREATE FUNCTION public.log_statement() RETURNS trigger LANGUAGE plpgsql AS "
                    + "$$ BEGIN INSERT INTO public.product_statements VALUES (TG_OP); RETURN NULL; END $$");
            s.execute("CREATE TRIGGER log_statement AFTER INSERT OR DELETE ON retail.product FOR EACH STATEMENT"
                    + " EXECUTE FUNCTION public.log_statement()");
        }
        StagedChangeLoader loader = new StagedChangeLoader(ds, mappings, 5000);
        stage(productInserts("pos-1", 1, 1000));
        assertThat(loader.loadOnce().upserts()).isEqualTo(1000);
        List<Change> second = new ArrayList<>();
        for (long seq = 1001; seq <= 1500; seq++) {
            second.add(product(seq, Operation.UPDATE, "p-" + (seq - 1000), "Product v2", 1));
        }
        for (long seq = 1501; seq <= 1600; seq++) {
            second.add(product(seq, Operation.DELETE, "p-" + (seq - 1000), null, 0));
        }
        stage(ChangeBatch.of("pos-1", second));

        LoadReport run = loader.loadOnce();

        assertThat(run.upserts()).isEqualTo(500);
        assertThat(run.deletes()).isEqualTo(100);
        assertThat(count(ds, "SELECT count(*) FROM public.product_statements WHERE op = 'INSERT'")).isEqualTo(2);
        assertThat(count(ds, "SELECT count(*) FROM public.product_statements WHERE op = 'DELETE'")).isEqualTo(1);
        assertThat(count(ds, "SELECT count(*) FROM retail.product")).isEqualTo(900);
        assertThat(count(ds, "SELECT count(*) FROM retail.product WHERE name = 'Product v2' AND price = 0.01")).isEqualTo(500);
    }

    @Test
    void shouldLoadEveryOtherRowOfALargeRunWhenTheTargetRefusesAFewAndApplyTheirEarlierVersions() throws Exception {
        List<Change> changes = new ArrayList<>();
        for (long seq = 1; seq <= 1000; seq++) {
            changes.add(seq == 300 || seq == 701 ? nullName(seq, "p-" + seq)
                    : product(seq, Operation.INSERT, "p-" + seq, "Product " + seq, 100 + seq));
        }
        changes.add(nullName(1001, "p-5"));
        stage(ChangeBatch.of("pos-1", changes));

        LoadReport report = new StagedChangeLoader(ds, mappings, 5000).loadAvailable();

        assertThat(report.changes()).isEqualTo(1001);
        assertThat(report.quarantined()).isEqualTo(3);
        String refused = "open null Target retail.product refused the row: ERROR: null value in column \"name\" of"
                + " relation \"product\" violates not-null constraint";
        assertThat(quarantineWithHold()).containsExactly(
                Map.entry(300L, refused), Map.entry(701L, refused), Map.entry(1001L, refused));
        assertThat(count(ds, "SELECT count(*) FROM retail.product")).isEqualTo(998);
        assertThat(products()).containsEntry("p-5", "Product 5 1.05 seq 5 store-1").doesNotContainKeys("p-300", "p-701");
        assertThat(progress("pos-1")).isEqualTo(1001);
    }

    @Test
    void shouldStoreTextThatLooksLikeArrayOrCopySyntaxExactlyAsSent() throws Exception {
        List<String> names = List.of("NULL", "null", "\\N", "a,b", "{x}", "say \"hi\"", "back\\slash", "tab\there",
                "line\nbreak", " padded ", "", "Grüße ✓");
        List<Change> changes = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            changes.add(product(i + 1, Operation.INSERT, "s-" + i, names.get(i), 1));
        }
        stage(ChangeBatch.of("pos-1", changes));

        new StagedChangeLoader(ds, mappings, 5000).loadAvailable();

        for (int i = 0; i < names.size(); i++) {
            assertThat(count(ds, "SELECT count(*) FROM retail.product WHERE sku = ? AND name = ?", "s-" + i, names.get(i)))
                    .as("name %s", names.get(i)).isEqualTo(1);
        }
    }

    @Test
    void shouldKeepStartingRunsInOneFireWhileWorkRemains() throws Exception {
        stage(productInserts("pos-1", 1, 30));

        LoadReport report = new StagedChangeLoader(ds, mappings, 1).loadAvailable();

        assertThat(report.changes()).isEqualTo(30);
        assertThat(progress("pos-1")).isEqualTo(30);
    }

    @Test
    void shouldLoadValuesOnlyJavaConvertsAlongsideTheSetBasedOnesWithTheLatestChangePerRowWinning() throws Exception {
        stage(batch("pos-1",
                change(1, "products", Operation.INSERT, obj().put("sku", "A"), obj().put("sku", "A").put("name", "Apple")
                        .put("price_cents", 100.0).put("updated_at", "2024-03-01T10:00:00+01:00")),
                product(2, Operation.UPDATE, "A", "Apple", 150),
                change(3, "products", Operation.INSERT, obj().put("sku", "B"), obj().put("sku", "B").put("name", "Bread")
                        .put("price_cents", " 250 ").put("updated_at", " 2024-03-01t10:00:00z")),
                product(4, Operation.INSERT, "C", "Cheese", 999)));

        LoadReport report = new StagedChangeLoader(ds, mappings, 5000).loadAvailable();

        assertThat(report.changes()).isEqualTo(4);
        assertThat(report.upserts()).isEqualTo(3);
        assertThat(report.superseded()).isEqualTo(1);
        assertThat(report.quarantined()).isZero();
        assertThat(products()).containsExactly(
                Map.entry("A", "Apple 1.50 seq 2 store-1"),
                Map.entry("B", "Bread 2.50 seq 3 store-1"),
                Map.entry("C", "Cheese 9.99 seq 4 store-1"));
        assertThat(count(ds, "SELECT count(*) FROM retail.product WHERE sku = 'B' AND updated_at = '2024-03-01T10:00:00Z'"))
                .isEqualTo(1);
    }

    private static Change nullName(long seq, String sku) {
        return change(seq, "products", Operation.UPDATE, obj().put("sku", sku), obj().put("sku", sku).putNull("name")
                .put("price_cents", 1).put("updated_at", "2024-03-01T10:00:00Z"));
    }

    private Map<String, String> products() throws Exception {
        Map<String, String> rows = new LinkedHashMap<>();
        try (Connection c = ds.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT sku, name, price, source_seq, store_id FROM retail.product ORDER BY sku")) {
            while (rs.next()) {
                rows.put(rs.getString(1), rs.getString(2) + " " + rs.getBigDecimal(3) + " seq " + rs.getLong(4) + " " + rs.getString(5));
            }
        }
        return rows;
    }

    private Map<Long, String> quarantine() throws Exception {
        Map<Long, String> rows = new LinkedHashMap<>();
        try (Connection c = ds.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT seq, reason FROM edgesync.quarantine ORDER BY seq")) {
            while (rs.next()) {
                rows.put(rs.getLong(1), rs.getString(2));
            }
        }
        return rows;
    }

    private Map<Long, String> quarantineWithHold() throws Exception {
        Map<Long, String> rows = new LinkedHashMap<>();
        try (Connection c = ds.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT seq, status, held_behind_seq, reason FROM edgesync.quarantine ORDER BY seq")) {
            while (rs.next()) {
                rows.put(rs.getLong(1), rs.getString(2) + " " + rs.getString(3) + " " + rs.getString(4));
            }
        }
        return rows;
    }

    private static Change productAt(long seq, Operation op, String sku, String name, long priceCents, String updatedAt) {
        return change(seq, "products", op, obj().put("sku", sku), obj().put("sku", sku).put("name", name)
                .put("price_cents", priceCents).put("updated_at", updatedAt));
    }

    private long progress(String device) throws Exception {
        return count(ds, "SELECT coalesce(max(loaded_through_seq), 0) FROM edgesync.load_progress WHERE device_id = ?", device);
    }

    private long progressTotal(List<String> devices) throws Exception {
        List<Object> params = new ArrayList<>(devices);
        return count(ds, "SELECT coalesce(sum(loaded_through_seq), 0) FROM edgesync.load_progress WHERE device_id IN (?, ?, ?)",
                params.toArray());
    }
}
