package org.edgesync.cloud.observe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.edgesync.cloud.testing.CloudNode;
import org.edgesync.cloud.testing.Fixtures;
import org.edgesync.cloud.testing.FreePorts;
import org.edgesync.cloud.testing.TestDatabase;
import org.edgesync.cloud.testing.TestPostgres;
import org.edgesync.contract.Operation;
import org.edgesync.contract.auth.RequestSignature;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import javax.sql.DataSource;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.edgesync.cloud.testing.Fixtures.batch;
import static org.edgesync.cloud.testing.Fixtures.change;
import static org.edgesync.cloud.testing.Fixtures.enrol;
import static org.edgesync.cloud.testing.Fixtures.gzip;
import static org.edgesync.cloud.testing.Fixtures.obj;
import static org.edgesync.cloud.testing.Fixtures.productInserts;
import static org.edgesync.cloud.testing.Fixtures.signedHeaders;

/**
 * Health, metrics and the JMX fleet view of a real node on a real PostgreSQL, read over HTTP the way Prometheus, a
 * load balancer and Hawtio (through Jolokia and its read-only policy) read them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CloudObserveIT {

    private static final Duration AT_MOST = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String JOLOKIA_PASSWORD = "jolokia-" + UUID.randomUUID();

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private TestDatabase db;
    private DataSource ds;
    private CloudNode node;
    private URI jolokia;

    @BeforeAll
    void start() throws Exception {
        db = TestPostgres.newDatabase();
        ds = db.dataSource();
        int jolokiaPort = FreePorts.next();
        node = CloudNode.start(db, Map.of(
                "edgesync.metrics.fleet.refresh.s", "1",
                "edgesync.fleet.silent.after.s", "600",
                "edgesync.jolokia.enabled", "true",
                "edgesync.jolokia.port", String.valueOf(jolokiaPort),
                "edgesync.jolokia.password", JOLOKIA_PASSWORD));
        jolokia = URI.create("http://127.0.0.1:" + jolokiaPort + "/jolokia/");
        enrol(ds, "pos-a", "store-1");
        enrol(ds, "pos-b", "store-2");
        enrol(ds, "pos-c", "store-3");
    }

    @AfterAll
    void stop() throws Exception {
        setConnectionsAllowed(true);
        if (node != null) {
            node.close();
        }
        db.close();
    }

    private Scrape scrape() throws Exception {
        return Scrape.of(node.managementUri("/observe/metrics"));
    }

    private HttpResponse<String> post(String device, byte[] body, Map<String, String> telemetry) throws Exception {
        Map<String, String> headers = new HashMap<>(signedHeaders(device, device, 1, Fixtures.deviceKey(device, 1), body,
                Instant.now().getEpochSecond(), RequestSignature.newNonce()));
        headers.putAll(telemetry);
        return Fixtures.post(http, node.ingestUri(device), headers, body);
    }

    private JsonNode jolokiaRead(String mbean, String attribute) throws Exception {
        String body = JSON.writeValueAsString(Map.of("type", "read", "mbean", mbean, "attribute", attribute));
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(jolokia).timeout(Duration.ofSeconds(20))
                .header("Content-Type", "application/json")
                .header("Authorization", "Basic " + Base64.getEncoder()
                        .encodeToString(("edgesync-ops:" + JOLOKIA_PASSWORD).getBytes(StandardCharsets.UTF_8)))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        JsonNode json = JSON.readTree(response.body());
        assertThat(json.path("status").asInt()).as(response.body()).isEqualTo(200);
        return json.path("value");
    }

    @Test
    @Order(1)
    void shouldCountIngestAndShowTheFleetPerDeviceFromTheDatabase() throws Exception {
        byte[] first = gzip(productInserts("pos-a", 1, 10));
        assertThat(post("pos-a", first, Map.of()).statusCode()).isEqualTo(200);
        assertThat(post("pos-a", first, Map.of()).statusCode()).as("a resend").isEqualTo(200);
        assertThat(Fixtures.post(node.ingestUri("pos-a"), null, first).statusCode()).as("unsigned").isEqualTo(401);
        byte[] poison = gzip(batch("pos-a", change(11, "no_such_table", Operation.INSERT, obj().put("id", 1), obj().put("id", 1))));
        assertThat(post("pos-a", poison, Map.of()).statusCode()).isEqualTo(200);
        Map<String, String> telemetry = Map.of("X-EdgeSync-Backlog", "42", "X-EdgeSync-Oldest-Unsent-Ms", "90000",
                "X-EdgeSync-Dlq-Depth", "2");
        assertThat(post("pos-b", gzip(productInserts("pos-b", 1, 5)), telemetry).statusCode()).isEqualTo(200);
        assertThat(post("pos-b", gzip(productInserts("pos-b", 8, 10)), telemetry).statusCode()).isEqualTo(200);
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE edgesync.device SET last_seen_at = now() - interval '1 hour' WHERE device_id = 'pos-b'");
        }

        await("loaded up to the gap and the poison quarantined").atMost(AT_MOST).untilAsserted(() -> {
            Scrape s = scrape();
            assertThat(s.value("edgesync_cloud_staging_backlog")).isEqualTo(3);
            assertThat(s.value("edgesync_cloud_quarantine_open")).isEqualTo(1);
            assertThat(s.value("edgesync_fleet_last_seen_age_seconds", "device=\"pos-b\"")).isGreaterThanOrEqualTo(3600);
        });
        Scrape s = scrape();
        assertThat(s.value("edgesync_cloud_ingest_batches_total", "status=\"200\"")).isEqualTo(5);
        assertThat(s.value("edgesync_cloud_ingest_batches_total", "status=\"401\"")).isEqualTo(1);
        assertThat(s.value("edgesync_cloud_ingest_changes_accepted_total")).isEqualTo(19);
        assertThat(s.value("edgesync_cloud_ingest_changes_duplicate_total")).isEqualTo(10);
        assertThat(s.value("edgesync_cloud_load_lag_seconds")).isGreaterThan(0).isLessThan(AT_MOST.toSeconds() + 10);
        assertThat(s.value("edgesync_fleet_devices")).isEqualTo(3);
        assertThat(s.value("edgesync_fleet_silent_devices")).isEqualTo(2);

        assertThat(s.value("edgesync_fleet_last_seen_age_seconds", "device=\"pos-b\"")).isBetween(3600.0, 3600.0 + 120);
        assertThat(s.value("edgesync_fleet_last_seen_age_seconds", "device=\"pos-a\"")).isBetween(0.0, 120.0);
        assertThat(s.value("edgesync_fleet_last_seen_age_seconds", "device=\"pos-c\"")).as("never seen").isNaN();
        assertThat(s.value("edgesync_fleet_reported_backlog", "device=\"pos-b\"")).isEqualTo(42);
        assertThat(s.value("edgesync_fleet_reported_backlog", "device=\"pos-a\"")).as("never reported").isNaN();
        assertThat(s.value("edgesync_fleet_oldest_unsent_age_seconds", "device=\"pos-b\"")).isEqualTo(90);
        assertThat(s.value("edgesync_fleet_dlq_depth", "device=\"pos-b\"")).isEqualTo(2);
        assertThat(s.value("edgesync_fleet_missing_seqs", "device=\"pos-b\"")).isEqualTo(2);
        assertThat(s.value("edgesync_fleet_missing_seqs", "device=\"pos-a\"")).isZero();
        assertThat(s.value("edgesync_fleet_staging_backlog", "device=\"pos-b\"")).isEqualTo(3);
        assertThat(s.value("edgesync_fleet_staging_backlog", "device=\"pos-a\"")).isZero();
        assertThat(s.value("edgesync_fleet_quarantine_open", "device=\"pos-a\"")).isEqualTo(1);
        assertThat(s.value("edgesync_fleet_silent", "device=\"pos-b\"")).isEqualTo(1);
        assertThat(s.value("edgesync_fleet_silent", "device=\"pos-a\"")).isZero();
        assertThat(s.has("camel_exchanges_total")).as("Camel's route counters are served too").isTrue();

        // The fleet in JMX, through Jolokia with the node's read-only policy, as Hawtio reads it.
        assertThat(jolokiaRead("org.edgesync:type=Device,name=pos-b", "ReportedBacklog").asLong()).isEqualTo(42);
        assertThat(jolokiaRead("org.edgesync:type=Device,name=pos-b", "MissingSeqs").asLong()).isEqualTo(2);
        assertThat(jolokiaRead("org.edgesync:type=Device,name=pos-b", "Silent").asBoolean()).isTrue();
        assertThat(jolokiaRead("org.edgesync:type=Device,name=pos-a", "OpenQuarantine").asLong()).isEqualTo(1);
        assertThat(jolokiaRead("org.edgesync:type=Fleet", "StagingBacklog").asLong()).isEqualTo(3);
        assertThat(jolokiaRead("org.edgesync:type=Fleet", "Devices").asInt()).isEqualTo(3);
    }

    @Test
    @Order(2)
    void shouldReadTheFleetOncePerRefreshHoweverOftenItIsScraped() throws Exception {
        double before = scrape().value("edgesync_fleet_refreshes_total");
        long started = System.nanoTime();
        for (int i = 0; i < 30; i++) {
            scrape();
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        double after = scrape().value("edgesync_fleet_refreshes_total");

        assertThat(after - before).as("fleet queries during 32 scrapes of 3 devices in %.1f s", seconds)
                .isLessThanOrEqualTo(Math.ceil(seconds) + 1);
    }

    @Test
    @Order(3)
    void shouldBeNotReadyWhilePostgresRefusesConnectionsAndReadyAfterwards() throws Exception {
        assertThat(Scrape.get(node.managementUri("/observe/health/ready")).statusCode()).isEqualTo(200);

        setConnectionsAllowed(false);
        HttpResponse<String> down = Scrape.get(node.managementUri("/observe/health/ready"));
        assertThat(down.statusCode()).isEqualTo(503);
        assertThat(down.body()).contains("edgesync-database", "DOWN", "PostgreSQL is unavailable");
        assertThat(Scrape.get(node.managementUri("/observe/health/live")).statusCode())
                .as("a restart would not bring the database back").isEqualTo(200);
        await("fleet figures unknown, not stale").atMost(AT_MOST).untilAsserted(() -> {
            Scrape s = scrape();
            assertThat(s.value("edgesync_cloud_staging_backlog")).isNaN();
            assertThat(s.value("edgesync_fleet_reported_backlog", "device=\"pos-b\"")).isNaN();
            assertThat(s.value("edgesync_fleet_refresh_failures_total")).isGreaterThanOrEqualTo(1);
        });

        setConnectionsAllowed(true);
        await("ready again").atMost(AT_MOST).until(
                () -> Scrape.get(node.managementUri("/observe/health/ready")).statusCode() == 200);
        await("fleet figures back").atMost(AT_MOST).until(() -> scrape().value("edgesync_cloud_staging_backlog") == 3);
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
