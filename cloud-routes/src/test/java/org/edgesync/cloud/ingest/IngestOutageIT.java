package org.edgesync.cloud.ingest;

import org.edgesync.cloud.testing.CloudNode;
import org.edgesync.cloud.testing.TestDatabase;
import org.edgesync.cloud.testing.TestPostgres;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.edgesync.cloud.testing.Fixtures.count;
import static org.edgesync.cloud.testing.Fixtures.enrol;
import static org.edgesync.cloud.testing.Fixtures.gzip;
import static org.edgesync.cloud.testing.Fixtures.post;
import static org.edgesync.cloud.testing.Fixtures.productInserts;

/** The staging database goes away while a device sends: 503, then the resend is accepted. */
class IngestOutageIT {

    private static final Duration AT_MOST = Duration.ofSeconds(Long.getLong("edgesync.test.wait.seconds", 30));

    private TestDatabase db;
    private CloudNode node;

    @BeforeEach
    void startNode() {
        db = TestPostgres.newDatabase();
        node = CloudNode.start(db, Map.of("edgesync.load.cron", "0 0 0 1 1 ? 2099"));
    }

    @AfterEach
    void stopNode() throws Exception {
        setConnectionsAllowed(true);
        node.close();
        db.close();
    }

    @Test
    void shouldAnswer503WhileTheDatabaseRefusesConnectionsAndAcceptTheResendAfterwards() throws Exception {
        DataSource ds = db.dataSource();
        enrol(ds, "pos-outage", "store-1");
        byte[] body = gzip(productInserts("pos-outage", 1, 3));

        setConnectionsAllowed(false);
        HttpResponse<String> during = post(node.ingestUri("pos-outage"), "pos-outage", body);

        assertThat(during.statusCode()).isEqualTo(503);
        assertThat(during.body()).isEqualTo("{\"error\":\"staging database unavailable, resend later\"}");
        assertThat(during.headers().firstValue("Retry-After")).contains("5");

        setConnectionsAllowed(true);
        await("node accepts the resend").atMost(AT_MOST)
                .until(() -> post(node.ingestUri("pos-outage"), "pos-outage", body).statusCode() == 200);
        assertThat(count(ds, "SELECT count(*) FROM edgesync.staged_change WHERE device_id = 'pos-outage'")).isEqualTo(3);
    }

    /** Through the admin database: refuse new connections to the test database and end the open ones. */
    private void setConnectionsAllowed(boolean allowed) throws Exception {
        String name = db.jdbcUrl().substring(db.jdbcUrl().lastIndexOf('/') + 1);
        try (Connection c = TestPostgres.adminDataSource().getConnection(); Statement s = c.createStatement()) {
            s.execute("ALTER DATABASE " + name + " ALLOW_CONNECTIONS " + allowed);
            if (!allowed) {
                s.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + name + "'");
            }
        }
    }
}
