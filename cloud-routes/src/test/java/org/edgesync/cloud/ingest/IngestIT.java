package org.edgesync.cloud.ingest;

import org.edgesync.cloud.testing.CloudNode;
import org.edgesync.cloud.testing.TestDatabase;
import org.edgesync.cloud.testing.TestPostgres;
import org.edgesync.contract.BatchCodec;
import org.edgesync.contract.ChangeBatch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import javax.sql.DataSource;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.edgesync.cloud.testing.Fixtures.count;
import static org.edgesync.cloud.testing.Fixtures.enrol;
import static org.edgesync.cloud.testing.Fixtures.gzip;
import static org.edgesync.cloud.testing.Fixtures.post;
import static org.edgesync.cloud.testing.Fixtures.productInserts;

/** A real cloud node (real YAML, real HTTP on a free port, real PostgreSQL) answering device batches. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class IngestIT {

    private static final String STAGED = "SELECT count(*) FROM edgesync.staged_change WHERE device_id = ?";

    private TestDatabase db;
    private DataSource ds;
    private CloudNode node;

    @BeforeAll
    void startNode() {
        db = TestPostgres.newDatabase();
        ds = db.dataSource();
        // the loader stays out of the way: these tests look at staging only
        node = CloudNode.start(db, Map.of("edgesync.load.cron", "0 0 0 1 1 ? 2099"));
    }

    @AfterAll
    void stopNode() {
        if (node != null) {
            node.close();
        }
        db.close();
    }

    @Test
    void shouldStageAValidBatchAndAnswerWithCounts() throws Exception {
        enrol(ds, "pos-valid", "store-1");

        HttpResponse<String> response = post(node.ingestUri("pos-valid"), "pos-valid", gzip(productInserts("pos-valid", 1, 3)));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("{\"accepted\":3,\"duplicates\":0}");
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
        assertThat(response.headers().firstValue("Authorization")).isEmpty();
        assertThat(count(ds, STAGED, "pos-valid")).isEqualTo(3);
        assertThat(count(ds, "SELECT count(*) FROM edgesync.device WHERE device_id = 'pos-valid' AND last_seen_at IS NOT NULL")).isEqualTo(1);
    }

    @Test
    void shouldAcceptAResentBatchWithoutStagingAnythingNew() throws Exception {
        enrol(ds, "pos-resend", "store-1");
        byte[] body = gzip(productInserts("pos-resend", 1, 5));
        assertThat(post(node.ingestUri("pos-resend"), "pos-resend", body).statusCode()).isEqualTo(200);

        HttpResponse<String> resent = post(node.ingestUri("pos-resend"), "pos-resend", body);
        HttpResponse<String> overlapping = post(node.ingestUri("pos-resend"), "pos-resend", gzip(productInserts("pos-resend", 4, 7)));

        assertThat(resent.statusCode()).isEqualTo(200);
        assertThat(resent.body()).isEqualTo("{\"accepted\":0,\"duplicates\":5}");
        assertThat(overlapping.body()).isEqualTo("{\"accepted\":2,\"duplicates\":2}");
        assertThat(count(ds, STAGED, "pos-resend")).isEqualTo(7);
    }

    @Test
    void shouldRefuseAMissingSignatureWith401WhateverTheBodyLooksLike() throws Exception {
        enrol(ds, "pos-form", "store-1");
        java.net.http.HttpRequest form = java.net.http.HttpRequest.newBuilder(node.ingestUri("pos-form"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Authorization", "Bearer t-wrong")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("a=1&b=2"))
                .build();

        HttpResponse<String> response = java.net.http.HttpClient.newHttpClient().send(form, HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.headers().firstValue("WWW-Authenticate")).contains("EDGESYNC-HMAC-SHA256");
        assertThat(response.body()).contains("missing or malformed Authorization header");
        assertThat(count(ds, STAGED, "pos-form")).isZero();
    }

    @Test
    void shouldRefuseABatchOfAnotherDeviceWith403() throws Exception {
        enrol(ds, "pos-a", "store-1");
        enrol(ds, "pos-b", "store-1");

        HttpResponse<String> response = post(node.ingestUri("pos-a"), "pos-a", gzip(productInserts("pos-b", 1, 2)));

        assertThat(response.statusCode()).isEqualTo(403);
        assertThat(response.body()).contains("batch deviceId \\\"pos-b\\\" does not match the device in the path \\\"pos-a\\\"");
        assertThat(count(ds, STAGED, "pos-a")).isZero();
        assertThat(count(ds, STAGED, "pos-b")).isZero();
    }

    @Test
    void shouldRefuseABodyThatIsNotGzipWith400() throws Exception {
        enrol(ds, "pos-plain", "store-1");
        byte[] plainJson = new BatchCodec().encode(productInserts("pos-plain", 1, 1));

        HttpResponse<String> notGzip = post(node.ingestUri("pos-plain"), "pos-plain", plainJson);
        HttpResponse<String> notJson = post(node.ingestUri("pos-plain"), "pos-plain",
                BatchCodec.gzip("hello".getBytes(StandardCharsets.UTF_8)));

        assertThat(notGzip.statusCode()).isEqualTo(400);
        assertThat(notGzip.body()).startsWith("{\"error\":\"body is not valid gzip");
        assertThat(notJson.statusCode()).isEqualTo(400);
        assertThat(notJson.body()).startsWith("{\"error\":\"body is not valid JSON");
        assertThat(notGzip.body()).doesNotContain("Exception").doesNotContain("\tat ");
        assertThat(count(ds, STAGED, "pos-plain")).isZero();
    }

    @Test
    void shouldRefuseAnInvalidEnvelopeWith422NamingTheField() throws Exception {
        enrol(ds, "pos-invalid", "store-1");
        ChangeBatch batch = productInserts("pos-invalid", 1, 2);
        String json = new String(new BatchCodec().encode(batch), StandardCharsets.UTF_8).replace("\"seq\":2", "\"seq\":-2");

        HttpResponse<String> response = post(node.ingestUri("pos-invalid"), "pos-invalid",
                BatchCodec.gzip(json.getBytes(StandardCharsets.UTF_8)));

        assertThat(response.statusCode()).isEqualTo(422);
        assertThat(response.body()).isEqualTo("{\"error\":\"changes[1].seq must be a positive integer\"}");
        assertThat(count(ds, STAGED, "pos-invalid")).isZero();
    }

    @Test
    void shouldStageTablesThatHaveNoMappingAndLeaveThemToTheLoader() throws Exception {
        enrol(ds, "pos-unmapped", "store-1");
        ChangeBatch batch = org.edgesync.cloud.testing.Fixtures.batch("pos-unmapped",
                org.edgesync.cloud.testing.Fixtures.change(1, "customers", org.edgesync.contract.Operation.INSERT,
                        org.edgesync.cloud.testing.Fixtures.obj().put("id", 1),
                        org.edgesync.cloud.testing.Fixtures.obj().put("id", 1).put("name", "Ann")));

        HttpResponse<String> response = post(node.ingestUri("pos-unmapped"), "pos-unmapped", gzip(batch));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(count(ds, STAGED, "pos-unmapped")).isEqualTo(1);
    }

    @Test
    void shouldServeHealthOnTheManagementPort() throws Exception {
        HttpResponse<String> health = org.edgesync.cloud.testing.Fixtures.get(node.managementUri("/observe/health"));

        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).contains("UP");
    }
}
