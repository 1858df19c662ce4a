package org.edgesync.cloud.fleet;

import org.edgesync.cloud.admin.StatusCommand;
import org.edgesync.cloud.testing.CloudNode;
import org.edgesync.cloud.testing.Fixtures;
import org.edgesync.cloud.testing.TestDatabase;
import org.edgesync.cloud.testing.TestPostgres;
import org.edgesync.contract.auth.RequestSignature;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.TestInstance;

import javax.sql.DataSource;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.edgesync.cloud.testing.Fixtures.enrol;
import static org.edgesync.cloud.testing.Fixtures.gzip;
import static org.edgesync.cloud.testing.Fixtures.productInserts;
import static org.edgesync.cloud.testing.Fixtures.signedHeaders;

/**
 * The fleet view over a real node and database: telemetry headers of signed batches land on the device row (malformed
 * ones are dropped, the batch still gets 200), and {@code ops/status} shows silent devices, gaps and quarantine.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class) // the fleet table, last, counts the devices the others used
class FleetStatusIT {

    private final HttpClient http = HttpClient.newHttpClient();
    private TestDatabase db;
    private DataSource ds;
    private CloudNode node;

    private record Result(int exit, String out, String err) {
    }

    @BeforeAll
    void start() throws Exception {
        db = TestPostgres.newDatabase();
        ds = db.dataSource();
        node = CloudNode.start(db, Map.of("edgesync.load.cron", "0 0 0 1 1 ? 2099"));
        enrol(ds, "pos-ok", "store-1");
        enrol(ds, "pos-silent", "store-1");
        enrol(ds, "pos-gap", "store-2");
        enrol(ds, "pos-quar", "store-3");
        enrol(ds, "pos-drain", "store-4");
        enrol(ds, "pos-bad", "store-4");
        enrol(ds, "pos-never", "store-5");
    }

    @AfterAll
    void stop() {
        if (node != null) {
            node.close();
        }
        db.close();
    }

    private HttpResponse<String> post(String device, long first, long last, Map<String, String> telemetry) throws Exception {
        byte[] body = gzip(productInserts(device, first, last));
        Map<String, String> headers = new HashMap<>(signedHeaders(device, device, 1, Fixtures.deviceKey(device, 1), body,
                Instant.now().getEpochSecond(), RequestSignature.newNonce()));
        headers.putAll(telemetry);
        return Fixtures.post(http, node.ingestUri(device), headers, body);
    }

    private static Map<String, String> telemetry(String backlog, String oldestMs, String dlq, String version, String config) {
        return Map.of("X-EdgeSync-Backlog", backlog, "X-EdgeSync-Oldest-Unsent-Ms", oldestMs,
                "X-EdgeSync-Dlq-Depth", dlq, "X-EdgeSync-Version", version, "X-EdgeSync-Config-Version", config);
    }

    private String deviceRow(String device) throws Exception {
        try (Connection c = ds.getConnection(); PreparedStatement s = c.prepareStatement(
                "SELECT reported_backlog, oldest_unsent_ms, dlq_depth, software_version, config_version,"
                        + " reported_at IS NOT NULL, last_seen_at IS NOT NULL FROM edgesync.device WHERE device_id = ?")) {
            s.setString(1, device);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getObject(1) + " " + rs.getObject(2) + " " + rs.getObject(3) + " " + rs.getObject(4) + " "
                        + rs.getObject(5) + " " + rs.getBoolean(6) + " " + rs.getBoolean(7);
            }
        }
    }

    private void sql(String statement, Object... params) throws Exception {
        try (Connection c = ds.getConnection(); PreparedStatement s = c.prepareStatement(statement)) {
            for (int i = 0; i < params.length; i++) {
                s.setObject(i + 1, params[i]);
            }
            s.executeUpdate();
        }
    }

    private Result status(String... args) {
        List<String> all = new ArrayList<>(List.of(
                "-Dedgesync.config.dir=" + CloudNode.CONFIG_DIR,
                "-Dedgesync.db.url=" + db.jdbcUrl(),
                "-Dedgesync.db.user=" + db.user(),
                "-Dedgesync.db.password=" + db.password()));
        all.addAll(List.of(args));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = StatusCommand.run(all.toArray(String[]::new), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), name -> null);
        return new Result(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static String line(String out, String device) {
        return out.lines().filter(l -> l.startsWith(device + " ")).findFirst().orElseThrow(() -> new AssertionError(out));
    }

    @Test
    @Order(1)
    void shouldStoreTheTelemetryOfASignedBatchOnTheDeviceRow() throws Exception {
        assertThat(post("pos-ok", 1, 10, telemetry("42", "1500", "1", "1.2.3", "cfg-ab12cd34")).statusCode()).isEqualTo(200);
        assertThat(deviceRow("pos-ok")).isEqualTo("42 1500 1 1.2.3 cfg-ab12cd34 true true");

        assertThat(post("pos-ok", 11, 20, telemetry("0", "0", "0", "1.2.3", "cfg-ab12cd34")).statusCode()).isEqualTo(200);
        assertThat(deviceRow("pos-ok")).isEqualTo("0 0 0 1.2.3 cfg-ab12cd34 true true");
    }

    @Test
    @Order(2)
    void shouldIgnoreMalformedTelemetryAndStillAcceptTheBatch() throws Exception {
        assertThat(post("pos-bad", 1, 5, telemetry("7", "70", "2", "0.9", "c1")).statusCode()).isEqualTo(200);

        HttpResponse<String> response = post("pos-bad", 6, 10,
                telemetry("-5", "soon", "99999999999", "x".repeat(200), "bad value; drop"));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(Fixtures.count(ds, "SELECT count(*) FROM edgesync.staged_change WHERE device_id = 'pos-bad'")).isEqualTo(10);
        assertThat(deviceRow("pos-bad")).isEqualTo("7 70 2 0.9 c1 true true");

        // An edge without telemetry (older release) leaves what was reported.
        assertThat(post("pos-bad", 11, 12, Map.of()).statusCode()).isEqualTo(200);
        assertThat(deviceRow("pos-bad")).isEqualTo("7 70 2 0.9 c1 true true");
    }

    @Test
    @Order(4)
    void shouldFlagSilentDevicesGapsAndQuarantineAndExitOne() throws Exception {
        assertThat(post("pos-silent", 1, 3, telemetry("0", "0", "0", "1.2.3", "c1")).statusCode()).isEqualTo(200);
        sql("UPDATE edgesync.device SET last_seen_at = now() - interval '2 hours' WHERE device_id = 'pos-silent'");
        assertThat(post("pos-gap", 1, 10, telemetry("5", "2000", "0", "1.2.3", "c1")).statusCode()).isEqualTo(200);
        assertThat(post("pos-gap", 15, 20, telemetry("0", "0", "0", "1.2.3", "c1")).statusCode()).isEqualTo(200);
        assertThat(post("pos-quar", 1, 2, telemetry("0", "0", "3", "1.2.3", "c1")).statusCode()).isEqualTo(200);
        sql("INSERT INTO edgesync.quarantine (device_id, seq, table_name, op, pk, reason)"
                + " VALUES ('pos-quar', 2, 'products', 'insert', '{\"sku\":\"x\"}', 'test poison')");

        Result result = status("-Dedgesync.fleet.silent.after.s=600");

        assertThat(result.exit()).as(result.out() + result.err()).isEqualTo(1);
        assertThat(result.out().lines().findFirst().orElseThrow()).startsWith("DEVICE").contains("BACKLOG", "FLAGS");
        assertThat(line(result.out(), "pos-silent")).contains("SILENT", "2h ago");
        assertThat(line(result.out(), "pos-gap")).contains("11-14", "GAPS").doesNotContain("SILENT");
        assertThat(line(result.out(), "pos-quar")).contains("QUARANTINE", "DLQ").doesNotContain("SILENT");
        assertThat(line(result.out(), "pos-never")).contains("never", "SILENT");
        assertThat(line(result.out(), "pos-ok")).contains("1.2.3", "cfg-ab12cd34").endsWith("behind").doesNotContain("SILENT");
        assertThat(result.out()).containsPattern("7 devices, 2 silent \\(no request for 10m\\), \\d+ behind, 1 with gaps,"
                + " 1 with quarantine");

        Result detail = status("pos-gap");
        assertThat(detail.exit()).isZero();
        assertThat(detail.out()).contains("contiguous through seq 10, highest seq 20", "4 missing: 11-14",
                "device backlog    0 changes");

        Result unknown = status("pos-nobody");
        assertThat(unknown.exit()).isEqualTo(2);
        assertThat(unknown.err().strip()).isEqualTo("No device pos-nobody is enrolled; see ops/status or ops/devices list.");
    }

    @Test
    @Order(3)
    void shouldWatchTheBacklogDrainAndStopAtZero() throws Exception {
        assertThat(post("pos-drain", 1, 100, telemetry("300", "60000", "0", "1.2.3", "c1")).statusCode()).isEqualTo(200);

        Result undrained = status("pos-drain", "--watch", "--interval-s", "1", "--max-iterations", "2");
        assertThat(undrained.exit()).isEqualTo(1);
        assertThat(undrained.out().lines().filter(l -> l.startsWith("[")).count()).isEqualTo(2);
        assertThat(undrained.out()).contains("loaded 0 · received 100 · backlog 300",
                "pos-drain still has 300 changes to send after 2 refreshes.");

        CompletableFuture<Void> drain = CompletableFuture.runAsync(() -> {
            try {
                post("pos-drain", 101, 400, telemetry("0", "0", "0", "1.2.3", "c1"));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, CompletableFuture.delayedExecutor(1500, TimeUnit.MILLISECONDS));
        Result drained = status("pos-drain", "--watch", "--interval-s", "1", "--max-iterations", "30");
        drain.get(30, TimeUnit.SECONDS);

        assertThat(drained.exit()).as(drained.out() + drained.err()).isZero();
        assertThat(drained.out()).contains("backlog 300", "received 400 · backlog 0",
                "pos-drain has no backlog; the cloud loaded through seq 0.");
    }
}
