package org.edgesync.cloud.ledger;

import org.edgesync.cloud.ingest.BatchIngestor;
import org.edgesync.cloud.load.StagedChangeLoader;
import org.edgesync.cloud.mapping.TableMappings;
import org.edgesync.cloud.support.Migrations;
import org.edgesync.cloud.testing.CloudNode;
import org.edgesync.cloud.testing.TestDatabase;
import org.edgesync.cloud.testing.TestPostgres;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.StringJoiner;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.edgesync.cloud.testing.Fixtures.count;
import static org.edgesync.cloud.testing.Fixtures.enrol;
import static org.edgesync.cloud.testing.Fixtures.gzip;
import static org.edgesync.cloud.testing.Fixtures.ingestSigned;
import static org.edgesync.cloud.testing.Fixtures.ingestor;
import static org.edgesync.cloud.testing.Fixtures.productInserts;

/**
 * edgesync.staged_run, the runs of consecutive seqs staged per device that the database keeps beside staged_change
 * so the ledger and the fleet view read a row per batch instead of a row per change. Whatever writes staging (the
 * ingest's COPY and its insert of a partial resend, the loader, retention deleting, an operator's SQL), the runs must
 * cover exactly the staged seqs, and the ledger read from them must equal the ledger worked out from the rows.
 */
class StagedRunsIT {

    private static final List<String> DEVICES = List.of("pos-1", "pos-2");

    private TestDatabase db;
    private DataSource ds;
    private BatchIngestor ingestor;
    private StagedChangeLoader loader;

    @BeforeEach
    void migrate() throws Exception {
        db = TestPostgres.newDatabase();
        ds = db.dataSource();
        Migrations.migrate(ds, CloudNode.CONFIG_DIR.resolve("cloud/sql"));
        ingestor = ingestor(ds);
        loader = new StagedChangeLoader(ds, TableMappings.load(CloudNode.CONFIG_DIR.resolve("cloud/mappings.yaml")), 5000);
        for (String device : DEVICES) {
            enrol(ds, device, "store-1");
        }
    }

    @AfterEach
    void drop() {
        db.close();
    }

    @Test
    void shouldKeepTheRunsEqualToTheStagedSeqsWhateverWritesStaging() throws Exception {
        Random random = new Random(20261130);
        for (int step = 0; step < 120; step++) {
            String device = DEVICES.get(random.nextInt(DEVICES.size()));
            String action = switch (random.nextInt(10)) {
                case 0, 1, 2, 3 -> stageBatch(device, random);
                case 4 -> resendAcrossBatches(device, random);
                case 5, 6 -> load();
                case 7 -> purgeLoaded(device, random);
                case 8 -> deleteAnywhere(device, random);
                default -> insertBySql(device, random);
            };
            assertRunsMatchStaging(step + " " + action);
        }
        assertThat(count(ds, "SELECT count(*) FROM edgesync.staged_change")).as("the walk staged something").isPositive();
        assertThat(count(ds, "SELECT count(*) FROM edgesync.load_progress WHERE loaded_through_seq > 0"))
                .as("and loaded some").isPositive();

        sql("TRUNCATE edgesync.staged_change");
        assertThat(count(ds, "SELECT count(*) FROM edgesync.staged_run")).isZero();
        assertRunsMatchStaging("after TRUNCATE");

        stageBatch("pos-1", random);
        sql("TRUNCATE edgesync.staged_change, edgesync.staged_run");
        assertRunsMatchStaging("after TRUNCATE of both tables in one statement");
    }

    @Test
    void shouldAnswerTheFleetViewWithoutReadingStagedChanges() throws Exception {
        for (String view : List.of("device_ledger", "fleet_status", "device_metrics")) {
            try (Connection c = ds.getConnection(); Statement s = c.createStatement();
                 ResultSet plan = s.executeQuery("EXPLAIN (FORMAT JSON) SELECT * FROM edgesync." + view)) {
                assertThat(plan.next()).isTrue();
                assertThat(plan.getString(1)).as(view + "'s plan").contains("staged_run").doesNotContain("staged_change");
            }
        }
    }

    @Test
    void shouldTieStagedChangesToEnrolledDevicesOncePerStatementNotOncePerRow() throws Exception {
        ingestSigned(ingestor, "pos-1", gzip(productInserts("pos-1", 1, 3)));

        assertThatThrownBy(() -> sql("INSERT INTO edgesync.staged_change (device_id, seq, table_name, op, pk, \"row\","
                + " captured_at) VALUES ('pos-unknown', 1, 'products', 'insert', '{}', '{}', now())"))
                .isInstanceOf(SQLException.class).hasMessageContaining("pos-unknown").hasMessageContaining("device");
        assertThatThrownBy(() -> sql("DELETE FROM edgesync.device WHERE device_id = 'pos-1'"))
                .as("a device with staged changes cannot go").isInstanceOf(SQLException.class)
                .hasMessageContaining("pos-1");
        // A foreign key on staged_change itself looks the device up for each row, 5,000 times per batch (V11); the
        // one on staged_run, about a row per batch, keeps the same guarantee.
        assertThat(count(ds, "SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND conrelid = 'edgesync.staged_change'::regclass"))
                .isZero();
    }

    /** A batch of 1-20 changes at one of 30 slots of 20 seqs, in any order; a slot already staged is a resend. */
    private String stageBatch(String device, Random random) {
        long first = random.nextInt(30) * 20L + 1;
        long last = first + random.nextInt(20);
        ingestSigned(ingestor, device, gzip(productInserts(device, first, last)));
        return "stage " + device + " " + first + "-" + last;
    }

    /** A batch spanning two slots, some of it staged already: the ingest's insert that skips staged seqs. */
    private String resendAcrossBatches(String device, Random random) {
        long first = random.nextInt(29) * 20L + 11;
        ingestSigned(ingestor, device, gzip(productInserts(device, first, first + 19)));
        return "resend " + device + " " + first + "-" + (first + 19);
    }

    private String load() throws Exception {
        loader.loadAvailable();
        return "load";
    }

    /** As retention deletes: loaded seqs, not necessarily all of them. */
    private String purgeLoaded(String device, Random random) throws SQLException {
        int modulus = 1 + random.nextInt(3);
        sql("DELETE FROM edgesync.staged_change s USING edgesync.load_progress p WHERE s.device_id = '" + device
                + "' AND p.device_id = s.device_id AND s.seq <= p.loaded_through_seq AND s.seq % " + modulus + " = 0");
        return "purge loaded " + device + " seq % " + modulus;
    }

    /** An operator's delete of any staged seqs, a hole in the middle of runs. */
    private String deleteAnywhere(String device, Random random) throws SQLException {
        long from = random.nextInt(600) + 1;
        long to = from + random.nextInt(15);
        sql("DELETE FROM edgesync.staged_change WHERE device_id = '" + device + "' AND seq BETWEEN " + from + " AND " + to
                + " AND seq <> " + (from + 2));
        return "delete " + device + " " + from + "-" + to + " except " + (from + 2);
    }

    /** Rows written by SQL with their own received_at, one statement, several devices, not in seq order. */
    private String insertBySql(String device, Random random) throws SQLException {
        long seq = random.nextInt(600) + 1;
        Timestamp receivedAt = Timestamp.from(Instant.now().minus(1 + random.nextInt(48), ChronoUnit.HOURS));
        try (Connection c = ds.getConnection(); PreparedStatement s = c.prepareStatement("""
                INSERT INTO edgesync.staged_change (device_id, seq, table_name, op, pk, "row", captured_at, received_at)
                SELECT d, q, 'products', 'insert', jsonb_build_object('sku', 'p-' || q),
                       jsonb_build_object('sku', 'p-' || q, 'name', 'by sql', 'price_cents', 1), now(), ?
                FROM unnest(?::text[]) d, unnest(?::bigint[]) q
                ON CONFLICT DO NOTHING""")) {
            s.setTimestamp(1, receivedAt);
            s.setArray(2, c.createArrayOf("text", new Object[] {device, DEVICES.get(0)}));
            s.setArray(3, c.createArrayOf("bigint", new Object[] {seq + 3, seq, seq + 1, seq + 7}));
            s.executeUpdate();
        }
        return "sql insert " + device + " around " + seq;
    }

    private void assertRunsMatchStaging(String after) throws SQLException {
        // EXCEPT ALL both ways: a seq missing from the runs, a run covering an unstaged seq, or two runs covering one seq
        assertThat(count(ds, """
                SELECT count(*) FROM (
                    (SELECT device_id, seq FROM edgesync.staged_change
                     EXCEPT ALL
                     SELECT r.device_id, g FROM edgesync.staged_run r, generate_series(r.first_seq, r.last_seq) g)
                    UNION ALL
                    (SELECT r.device_id, g FROM edgesync.staged_run r, generate_series(r.first_seq, r.last_seq) g
                     EXCEPT ALL
                     SELECT device_id, seq FROM edgesync.staged_change)) differ"""))
                .as("seqs covered by the runs differ from the staged seqs after " + after).isZero();
        for (String device : DEVICES) {
            assertThat(ledgerView(device)).as(device + "'s ledger after " + after).isEqualTo(ledgerFromRows(device));
        }
    }

    private String ledgerView(String device) throws SQLException {
        try (Connection c = ds.getConnection(); PreparedStatement s = c.prepareStatement("""
                SELECT l.highest_contiguous_seq, l.max_seq_received, l.missing_count, l.gaps,
                       m.staged_not_loaded, l.oldest_received_at, m.load_lag_s IS NULL
                FROM edgesync.device_ledger l JOIN edgesync.device_metrics m USING (device_id)
                WHERE l.device_id = ?""")) {
            s.setString(1, device);
            try (ResultSet rs = s.executeQuery()) {
                assertThat(rs.next()).isTrue();
                Timestamp oldest = rs.getTimestamp(6);
                assertThat(rs.getBoolean(7)).as("load lag unknown exactly when nothing waits").isEqualTo(oldest == null);
                return describe(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getString(4), rs.getLong(5),
                        oldest == null ? null : oldest.toInstant());
            }
        }
    }

    /** The ledger as its definition reads, worked out here from the staged rows themselves. */
    private String ledgerFromRows(String device) throws SQLException {
        long loaded = count(ds, "SELECT coalesce(max(loaded_through_seq), 0) FROM edgesync.load_progress WHERE device_id = ?",
                device);
        TreeMap<Long, Instant> unloaded = new TreeMap<>();
        try (Connection c = ds.getConnection(); PreparedStatement s = c.prepareStatement(
                "SELECT seq, received_at FROM edgesync.staged_change WHERE device_id = ? AND seq > ?")) {
            s.setString(1, device);
            s.setLong(2, loaded);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    unloaded.put(rs.getLong(1), rs.getTimestamp(2).toInstant());
                }
            }
        }
        long max = unloaded.isEmpty() ? loaded : unloaded.lastKey();
        long contiguous = loaded;
        while (unloaded.containsKey(contiguous + 1)) {
            contiguous++;
        }
        List<String> gaps = new ArrayList<>();
        long prev = loaded;
        for (long seq : unloaded.keySet()) {
            if (seq > prev + 1) {
                gaps.add(seq == prev + 2 ? String.valueOf(prev + 1) : (prev + 1) + "-" + (seq - 1));
            }
            prev = seq;
        }
        StringJoiner joined = new StringJoiner(", ");
        gaps.forEach(joined::add);
        Instant oldest = unloaded.values().stream().min(Instant::compareTo).orElse(null);
        return describe(contiguous, max, max - loaded - unloaded.size(), joined.toString(), unloaded.size(), oldest);
    }

    private static String describe(long contiguous, long max, long missing, String gaps, long staged, Instant oldest) {
        return "contiguous " + contiguous + ", max " + max + ", missing " + missing + " '" + gaps + "', staged " + staged
                + ", oldest " + oldest;
    }

    private void sql(String statement) throws SQLException {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            s.execute(statement);
        }
    }
}
