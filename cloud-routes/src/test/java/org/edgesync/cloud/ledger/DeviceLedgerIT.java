package org.edgesync.cloud.ledger;

import org.edgesync.cloud.ingest.BatchIngestor;
import org.edgesync.cloud.load.StagedChangeLoader;
import org.edgesync.cloud.mapping.TableMappings;
import org.edgesync.cloud.support.Migrations;
import org.edgesync.cloud.testing.CloudNode;
import org.edgesync.cloud.testing.TestDatabase;
import org.edgesync.cloud.testing.TestPostgres;
import org.edgesync.contract.ChangeBatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;

import static org.edgesync.cloud.testing.Fixtures.ingestSigned;
import static org.edgesync.cloud.testing.Fixtures.ingestor;
import static org.assertj.core.api.Assertions.assertThat;
import static org.edgesync.cloud.testing.Fixtures.enrol;
import static org.edgesync.cloud.testing.Fixtures.gzip;
import static org.edgesync.cloud.testing.Fixtures.productInserts;

/** edgesync.device_ledger while batches arrive out of order and the loader advances. */
class DeviceLedgerIT {

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
        enrol(ds, "pos-1", "store-1");
        enrol(ds, "pos-2", "store-2");
    }

    @AfterEach
    void drop() {
        db.close();
    }

    private void stage(ChangeBatch batch) {
        ingestSigned(ingestor, batch.deviceId(), gzip(batch));
    }

    @Test
    void shouldShowAnEmptyLedgerForADeviceThatSentNothing() throws Exception {
        assertThat(ledger("pos-2")).isEqualTo("0 0 0 ''");
    }

    @Test
    void shouldListTheMissingRangesOfBatchesThatArriveOutOfOrder() throws Exception {
        stage(productInserts("pos-1", 201, 304));
        stage(productInserts("pos-1", 1, 100));
        stage(productInserts("pos-1", 306, 310));

        assertThat(ledger("pos-1")).isEqualTo("100 310 101 '101-200, 305'");

        stage(productInserts("pos-1", 101, 200));
        assertThat(ledger("pos-1")).isEqualTo("304 310 1 '305'");

        stage(productInserts("pos-1", 305, 305));
        assertThat(ledger("pos-1")).isEqualTo("310 310 0 ''");
    }

    @Test
    void shouldCountLoadedSeqsAsReceivedAndGapsAboveTheLoadedOnes() throws Exception {
        stage(productInserts("pos-1", 1, 50));
        stage(productInserts("pos-1", 60, 70));
        loader.loadAvailable();
        try (Connection c = ds.getConnection()) {
            // retention may purge loaded changes: the ledger must not depend on them
            c.createStatement().execute("DELETE FROM edgesync.staged_change WHERE seq <= 50");
        }

        assertThat(ledger("pos-1")).isEqualTo("50 70 9 '51-59'");
        stage(productInserts("pos-1", 51, 59));
        loader.loadAvailable();
        assertThat(ledger("pos-1")).isEqualTo("70 70 0 ''");
        assertThat(ledger("pos-2")).isEqualTo("0 0 0 ''");
    }

    private String ledger(String device) throws Exception {
        try (Connection c = ds.getConnection(); PreparedStatement s = c.prepareStatement(
                "SELECT highest_contiguous_seq, max_seq_received, missing_count, gaps FROM edgesync.device_ledger WHERE device_id = ?")) {
            s.setString(1, device);
            try (ResultSet rs = s.executeQuery()) {
                assertThat(rs.next()).as("ledger row of " + device).isTrue();
                return rs.getLong(1) + " " + rs.getLong(2) + " " + rs.getLong(3) + " '" + rs.getString(4) + "'";
            }
        }
    }
}
