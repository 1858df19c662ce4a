package org.edgesync.cloud.housekeeping;

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
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.edgesync.cloud.testing.Fixtures.count;
import static org.edgesync.cloud.testing.Fixtures.enrol;

/**
 * The housekeeping beans on a real PostgreSQL with the real migrations: staging retention deletes only loaded rows
 * older than the retention, keeps changes open in quarantine, and works in chunks; the attention report names the
 * devices with open quarantine or DLQ batches.
 */
class HousekeepingIT {

    private TestDatabase db;
    private DataSource ds;

    @BeforeEach
    void migrate() throws Exception {
        db = TestPostgres.newDatabase();
        ds = db.dataSource();
        Migrations.migrate(ds, CloudNode.CONFIG_DIR.resolve("cloud/sql"));
        enrol(ds, "pos-1", "store-1");
        enrol(ds, "pos-2", "store-2");
    }

    @AfterEach
    void drop() {
        db.close();
    }

    private StagingRetention retention(int chunkRows) {
        return new StagingRetention(ds, Duration.ofHours(168), chunkRows, Clock.systemUTC());
    }

    /** Stages seqs first..last of the device, received that many days ago. */
    private void stage(String device, long first, long last, int daysAgo) throws SQLException {
        try (Connection c = ds.getConnection(); PreparedStatement s = c.prepareStatement(
                "INSERT INTO edgesync.staged_change (device_id, seq, table_name, op, pk, \"row\", captured_at, received_at)"
                        + " SELECT ?, g, 'products', 'insert', jsonb_build_object('sku', 'p-' || g), '{}'::jsonb, now(),"
                        + " now() - make_interval(days => ?) FROM generate_series(?::bigint, ?::bigint) g")) {
            s.setString(1, device);
            s.setInt(2, daysAgo);
            s.setLong(3, first);
            s.setLong(4, last);
            s.executeUpdate();
        }
    }

    private void loadedThrough(String device, long seq) throws SQLException {
        try (Connection c = ds.getConnection(); PreparedStatement s = c.prepareStatement(
                "INSERT INTO edgesync.load_progress (device_id, loaded_through_seq) VALUES (?, ?)"
                        + " ON CONFLICT (device_id) DO UPDATE SET loaded_through_seq = EXCLUDED.loaded_through_seq")) {
            s.setString(1, device);
            s.setLong(2, seq);
            s.executeUpdate();
        }
    }

    private void quarantine(String device, long seq, String status, Long heldBehind, String reason) throws SQLException {
        try (Connection c = ds.getConnection(); PreparedStatement s = c.prepareStatement(
                "INSERT INTO edgesync.quarantine (device_id, seq, table_name, op, pk, \"row\", reason, status, held_behind_seq)"
                        + " VALUES (?, ?, 'products', 'update', '{\"sku\":\"p\"}', '{}', ?, ?, ?)")) {
            s.setString(1, device);
            s.setLong(2, seq);
            s.setString(3, reason);
            s.setString(4, status);
            s.setObject(5, heldBehind);
            s.executeUpdate();
        }
    }

    private List<Long> stagedSeqs(String device) throws SQLException {
        List<Long> seqs = new ArrayList<>();
        try (Connection c = ds.getConnection(); PreparedStatement s = c.prepareStatement(
                "SELECT seq FROM edgesync.staged_change WHERE device_id = ? ORDER BY seq")) {
            s.setString(1, device);
            try (var rs = s.executeQuery()) {
                while (rs.next()) {
                    seqs.add(rs.getLong(1));
                }
            }
        }
        return seqs;
    }

    @Test
    void shouldDeleteOnlyLoadedChangesOlderThanTheRetention() throws Exception {
        stage("pos-1", 1, 100, 10);   // old
        stage("pos-1", 101, 150, 1);  // inside the retention
        loadedThrough("pos-1", 120);  // 121..150 not loaded yet
        stage("pos-2", 1, 40, 30);    // old but never loaded

        StagingRetention.Purged purged = retention(5000).purgeExpired();

        assertThat(purged.byDevice()).containsExactly(java.util.Map.entry("pos-1", 100L));
        assertThat(stagedSeqs("pos-1")).first().isEqualTo(101L);
        assertThat(stagedSeqs("pos-1")).hasSize(50);
        assertThat(count(ds, "SELECT count(*) FROM edgesync.staged_change WHERE device_id = 'pos-2'")).isEqualTo(40);
    }

    @Test
    void shouldKeepChangesOpenInQuarantineButNotResolvedOnes() throws Exception {
        stage("pos-1", 1, 10, 10);
        loadedThrough("pos-1", 10);
        quarantine("pos-1", 3, "open", null, "price_cents: not a number");
        quarantine("pos-1", 7, "open", 3L, "held behind quarantined seq 3");
        quarantine("pos-1", 5, "discarded", null, "obsolete");

        retention(5000).purgeExpired();

        assertThat(stagedSeqs("pos-1")).containsExactly(3L, 7L);
    }

    @Test
    void shouldWorkThroughALargeHistoryInChunksAndStopAtTheFirstYoungRow() throws Exception {
        stage("pos-1", 1, 1_050, 9);
        stage("pos-1", 1_051, 1_060, 0);
        stage("pos-1", 1_061, 1_070, 9);  // old again, but behind a young row: left for a later run
        loadedThrough("pos-1", 1_070);

        StagingRetention.Purged purged = retention(100).purgeExpired();

        assertThat(purged.total()).isEqualTo(1_050);
        assertThat(purged.moreWork()).isFalse();
        assertThat(stagedSeqs("pos-1")).hasSize(20).first().isEqualTo(1_051L);
        assertThat(retention(100).purgeExpired().total()).isZero();
    }

    @Test
    void shouldStopAfterTheChunkBoundOfOneRunAndGoOnInTheNext() throws Exception {
        int chunk = 100;
        long rows = (long) chunk * StagingRetention.MAX_CHUNKS_PER_RUN + 30;
        stage("pos-1", 1, rows, 9);
        loadedThrough("pos-1", rows);

        StagingRetention.Purged first = retention(chunk).purgeExpired();
        StagingRetention.Purged second = retention(chunk).purgeExpired();

        assertThat(first.moreWork()).isTrue();
        assertThat(first.total()).isEqualTo((long) chunk * StagingRetention.MAX_CHUNKS_PER_RUN);
        assertThat(second.total()).isEqualTo(30);
        assertThat(stagedSeqs("pos-1")).isEmpty();
    }

    @Test
    void shouldReportDevicesWithOpenQuarantineOrDlqBatches() throws Exception {
        enrol(ds, "pos-3", "store-3");
        quarantine("pos-1", 3, "open", null, "price_cents: not a number");
        quarantine("pos-1", 7, "open", 3L, "held behind quarantined seq 3");
        quarantine("pos-3", 2, "replayed", null, "fixed");
        try (Connection c = ds.getConnection(); PreparedStatement s = c.prepareStatement(
                "UPDATE edgesync.device SET dlq_depth = 2, reported_at = now() WHERE device_id = 'pos-2'")) {
            s.executeUpdate();
        }

        AttentionReport.Report report = new AttentionReport(ds).run();

        assertThat(report.devices()).extracting(AttentionReport.Device::deviceId).containsExactly("pos-1", "pos-2");
        AttentionReport.Device quarantined = report.devices().get(0);
        assertThat(quarantined.openQuarantine()).isEqualTo(2);
        assertThat(quarantined.failing()).isEqualTo(1);
        assertThat(quarantined.line()).contains("2 open quarantined changes (1 failing, 1 held behind them)",
                "first failing seq 3 (products): price_cents: not a number", "ops/quarantine list --device pos-1");
        assertThat(report.devices().get(1).line()).contains("2 batches in the device's DLQ");
        assertThat(report.toString()).isEqualTo("2 devices need attention: 2 open quarantined changes on 1 device,"
                + " 2 DLQ batches on 1 device");
    }

    @Test
    void shouldStopANodeWithABadHousekeepingSettingInOneSentence() {
        assertThatThrownBy(() -> CloudNode.start(db, java.util.Map.of("edgesync.staging.retention.hours", "0")))
                .hasStackTraceContaining("edgesync.staging.retention.hours is \"0\" but must be a whole number from 1 to 87600.");
        assertThatThrownBy(() -> CloudNode.start(db, java.util.Map.of("edgesync.report.cron", "hourly")))
                .hasStackTraceContaining("edgesync.report.cron is \"hourly\" but must be a Quartz cron expression");
    }

    @Test
    void shouldReportAllClearWhenNothingWaits() throws Exception {
        AttentionReport.Report report = new AttentionReport(ds).run();

        assertThat(report.devices()).isEmpty();
        assertThat(report.toString()).isEqualTo("no device has open quarantined changes or DLQ batches");
    }
}
