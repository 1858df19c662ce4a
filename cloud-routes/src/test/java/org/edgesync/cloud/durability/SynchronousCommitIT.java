package org.edgesync.cloud.durability;

import org.edgesync.cloud.testing.CloudNode;
import org.edgesync.cloud.testing.TestDatabase;
import org.edgesync.cloud.testing.TestPostgres;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The ingest answers 200 only after COMMIT; that only means "on disk" with synchronous_commit=on. Here the
 * database defaults to off (as a tuned server might), and every pooled connection of a real node must still say on.
 */
class SynchronousCommitIT {

    private TestDatabase db;
    private CloudNode node;

    @BeforeEach
    void startNodeOnADatabaseWithAsynchronousCommit() throws Exception {
        db = TestPostgres.newDatabase();
        String name = db.jdbcUrl().substring(db.jdbcUrl().lastIndexOf('/') + 1);
        try (Connection c = TestPostgres.adminDataSource().getConnection(); Statement s = c.createStatement()) {
            s.execute("ALTER DATABASE " + name + " SET synchronous_commit = off");
        }
        node = CloudNode.start(db, Map.of("edgesync.load.cron", "0 0 0 1 1 ? 2099"));
    }

    @AfterEach
    void stop() {
        node.close();
        db.close();
    }

    @Test
    void shouldCommitSynchronouslyOnEveryPooledConnectionEvenWhenTheServerDefaultIsOff() throws Exception {
        try (Connection plain = db.dataSource().getConnection()) {
            assertThat(show(plain)).as("the database default this test relies on").isEqualTo("off");
        }
        DataSource pool = node.camelContext().getRegistry().lookupByNameAndType("edgesyncDataSource", DataSource.class);
        List<Connection> borrowed = new ArrayList<>();
        try {
            // the node's pool holds 4 connections in tests: take all of them at once, so each one is checked
            for (int i = 0; i < 4; i++) {
                borrowed.add(pool.getConnection());
            }
            for (Connection c : borrowed) {
                assertThat(show(c)).isEqualTo("on");
            }
        } finally {
            for (Connection c : borrowed) {
                c.close();
            }
        }
    }

    private static String show(Connection c) throws Exception {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SHOW synchronous_commit")) {
            rs.next();
            return rs.getString(1);
        }
    }
}
