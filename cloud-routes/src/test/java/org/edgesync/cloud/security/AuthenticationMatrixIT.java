package org.edgesync.cloud.security;

import org.edgesync.cloud.testing.CloudNode;
import org.edgesync.cloud.testing.TestDatabase;
import org.edgesync.cloud.testing.TestPostgres;
import org.edgesync.cloud.testing.TestTls;
import org.edgesync.contract.auth.RequestSignature;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import javax.sql.DataSource;
import java.net.URI;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.edgesync.cloud.testing.Fixtures.count;
import static org.edgesync.cloud.testing.Fixtures.deviceKey;
import static org.edgesync.cloud.testing.Fixtures.enrol;
import static org.edgesync.cloud.testing.Fixtures.gzip;
import static org.edgesync.cloud.testing.Fixtures.productInserts;
import static org.edgesync.cloud.testing.Fixtures.signedHeaders;
import static org.edgesync.cloud.testing.Fixtures.signedOverJson;

/**
 * Every way a request can fail to prove who sent it, against a real node over HTTPS (demo CA) and real PostgreSQL:
 * each gets its status and writes nothing to staging.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AuthenticationMatrixIT {

    private static final String STAGED = "SELECT count(*) FROM edgesync.staged_change WHERE device_id = ?";

    private TestDatabase db;
    private DataSource ds;
    private CloudNode node;

    @BeforeAll
    void startNode() {
        db = TestPostgres.newDatabase();
        ds = db.dataSource();
        Map<String, String> props = new HashMap<>(TestTls.nodeProperties());
        props.put("edgesync.load.cron", "0 0 0 1 1 ? 2099");
        props.put("edgesync.ingest.rate.batches.per.s", "0.2");
        props.put("edgesync.ingest.rate.burst", "4");
        props.put("edgesync.ingest.max.changes.per.batch", "50");
        node = CloudNode.start(db, props);
    }

    @AfterAll
    void stopNode() {
        if (node != null) {
            node.close();
        }
        db.close();
    }

    private static long now() {
        return Instant.now().getEpochSecond();
    }

    private HttpResponse<String> send(String pathDevice, Map<String, String> headers, byte[] body) throws Exception {
        return org.edgesync.cloud.testing.Fixtures.post(TestTls.client(), node.ingestUri(pathDevice), headers, body);
    }

    /** Headers of a correct request of {@code device} for its own path. */
    private static Map<String, String> signed(String device, byte[] body) {
        return signedHeaders(device, device, 1, deviceKey(device, 1), body, now(), RequestSignature.newNonce());
    }

    private void assertRefused(HttpResponse<String> response, int status, String device) throws Exception {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.body()).startsWith("{\"error\":");
        assertThat(count(ds, STAGED, device)).isZero();
    }

    @Test
    void shouldAcceptACorrectlySignedBatchOverTls() throws Exception {
        enrol(ds, "m-ok", "s");
        byte[] body = gzip(productInserts("m-ok", 1, 3));

        HttpResponse<String> response = send("m-ok", signed("m-ok", body), body);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.uri().getScheme()).isEqualTo("https");
        assertThat(count(ds, STAGED, "m-ok")).isEqualTo(3);
    }

    @Test
    void shouldStillAcceptABatchSignedOverItsJsonAsEarlierEdgesSignIt() throws Exception {
        enrol(ds, "m-json", "s");
        byte[] body = gzip(productInserts("m-json", 1, 3));
        Map<String, String> headers = signedOverJson("m-json", "m-json", 1, deviceKey("m-json", 1), body, now(),
                RequestSignature.newNonce());

        HttpResponse<String> response = send("m-json", headers, body);

        assertThat(headers).doesNotContainKey(RequestSignature.SIGNED_BODY_HEADER);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(count(ds, STAGED, "m-json")).isEqualTo(3);
    }

    @Test
    void shouldRefuseABadSignatureOverTheGzipBodyBeforeInflatingIt() throws Exception {
        enrol(ds, "m-early", "s");
        byte[] notGzip = "this is not gzip".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        Map<String, String> headers = new LinkedHashMap<>(signed("m-early", notGzip));
        headers.put("Authorization", RequestSignature.authorization("m-early", 1, "0".repeat(64)));

        // signed over the bytes as sent, the request is authenticated first: an unauthenticated sender learns
        // nothing about the body and gets no inflating done for it
        assertRefused(send("m-early", headers, notGzip), 401, "m-early");
    }

    @Test
    void shouldRefuseAJsonSignatureThatClaimsToCoverTheGzipBody() throws Exception {
        enrol(ds, "m-claim", "s");
        byte[] body = gzip(productInserts("m-claim", 1, 2));
        Map<String, String> headers = new LinkedHashMap<>(signedOverJson("m-claim", "m-claim", 1,
                deviceKey("m-claim", 1), body, now(), RequestSignature.newNonce()));
        headers.put(RequestSignature.SIGNED_BODY_HEADER, RequestSignature.SIGNED_BODY_GZIP);

        assertRefused(send("m-claim", headers, body), 401, "m-claim");
    }

    @Test
    void shouldRefuseAnUnknownSignedBodyFormWith401NamingTheHeader() throws Exception {
        enrol(ds, "m-form", "s");
        byte[] body = gzip(productInserts("m-form", 1, 1));
        Map<String, String> headers = new LinkedHashMap<>(signed("m-form", body));
        headers.put(RequestSignature.SIGNED_BODY_HEADER, "zstd");

        HttpResponse<String> response = send("m-form", headers, body);

        assertRefused(response, 401, "m-form");
        assertThat(response.body()).contains(RequestSignature.SIGNED_BODY_HEADER).contains("zstd");
    }

    @Test
    void shouldRefuseARequestWithoutSignatureWith401() throws Exception {
        enrol(ds, "m-none", "s");

        HttpResponse<String> response = send("m-none", Map.of(), gzip(productInserts("m-none", 1, 1)));

        assertRefused(response, 401, "m-none");
        assertThat(response.headers().firstValue("WWW-Authenticate")).contains(RequestSignature.SCHEME);
    }

    @Test
    void shouldRefuseAWrongSignatureWith401() throws Exception {
        enrol(ds, "m-wrong", "s");
        byte[] body = gzip(productInserts("m-wrong", 1, 1));
        Map<String, String> headers = new LinkedHashMap<>(signed("m-wrong", body));
        headers.put("Authorization", RequestSignature.authorization("m-wrong", 1, "0".repeat(64)));

        HttpResponse<String> response = send("m-wrong", headers, body);

        assertRefused(response, 401, "m-wrong");
        assertThat(response.body()).contains("device unknown or revoked, or signature wrong");
    }

    @Test
    void shouldRefuseARequestSignedWithAnotherDevicesKeyWith401() throws Exception {
        enrol(ds, "m-victim", "s");
        enrol(ds, "m-thief", "s");
        byte[] body = gzip(productInserts("m-victim", 1, 1));

        HttpResponse<String> response = send("m-victim", signedHeaders("m-victim", "m-victim", 1,
                deviceKey("m-thief", 1), body, now(), RequestSignature.newNonce()), body);

        assertRefused(response, 401, "m-victim");
    }

    @Test
    void shouldRefuseARevokedDeviceWith401() throws Exception {
        enrol(ds, "m-revoked", "s");
        sql("UPDATE edgesync.device SET status = 'revoked', revoked_at = now() WHERE device_id = 'm-revoked'");
        byte[] body = gzip(productInserts("m-revoked", 1, 1));

        assertRefused(send("m-revoked", signed("m-revoked", body), body), 401, "m-revoked");
    }

    @Test
    void shouldRefuseTheOldKeyVersionAfterARotationWith401() throws Exception {
        enrol(ds, "m-rotated", "s");
        sql("UPDATE edgesync.device SET key_version = 2 WHERE device_id = 'm-rotated'");
        byte[] body = gzip(productInserts("m-rotated", 1, 1));

        assertRefused(send("m-rotated", signed("m-rotated", body), body), 401, "m-rotated");
        HttpResponse<String> withNewKey = send("m-rotated", signedHeaders("m-rotated", "m-rotated", 2,
                deviceKey("m-rotated", 2), body, now(), RequestSignature.newNonce()), body);
        assertThat(withNewKey.statusCode()).isEqualTo(200);
    }

    @Test
    void shouldRefuseAnExpiredOrFutureTimestampWith401() throws Exception {
        enrol(ds, "m-clock", "s");
        byte[] body = gzip(productInserts("m-clock", 1, 1));
        // Well past the 300 s window on both sides: the server reads its clock after this test does, so a
        // timestamp of now + 301 lands inside the window once a second has ticked in between.
        long outside = 300 + 60;

        HttpResponse<String> expired = send("m-clock", signedHeaders("m-clock", "m-clock", 1, deviceKey("m-clock", 1),
                body, now() - outside, RequestSignature.newNonce()), body);
        HttpResponse<String> future = send("m-clock", signedHeaders("m-clock", "m-clock", 1, deviceKey("m-clock", 1),
                body, now() + outside, RequestSignature.newNonce()), body);

        assertRefused(expired, 401, "m-clock");
        assertRefused(future, 401, "m-clock");
        assertThat(expired.body()).isEqualTo("{\"error\":\"timestamp outside the allowed window\"}");
        assertThat(future.body()).isEqualTo("{\"error\":\"timestamp outside the allowed window\"}");
    }

    @Test
    void shouldRefuseAReplayedRequestWith401AndWriteNothingMore() throws Exception {
        enrol(ds, "m-replay", "s");
        byte[] first = gzip(productInserts("m-replay", 1, 2));
        Map<String, String> headers = signed("m-replay", first);
        assertThat(send("m-replay", headers, first).statusCode()).isEqualTo(200);
        sql("DELETE FROM edgesync.staged_change WHERE device_id = 'm-replay'");

        HttpResponse<String> replay = send("m-replay", headers, first);

        assertRefused(replay, 401, "m-replay");
        assertThat(replay.body()).isEqualTo("{\"error\":\"request already seen\"}");
    }

    @Test
    void shouldAcceptTheIdempotentResendWithAFreshSignatureAndWriteNothingNew() throws Exception {
        enrol(ds, "m-resend", "s");
        byte[] body = gzip(productInserts("m-resend", 1, 4));
        assertThat(send("m-resend", signed("m-resend", body), body).statusCode()).isEqualTo(200);

        HttpResponse<String> resend = send("m-resend", signed("m-resend", body), body);

        assertThat(resend.statusCode()).isEqualTo(200);
        assertThat(resend.body()).isEqualTo("{\"accepted\":0,\"duplicates\":4}");
        assertThat(count(ds, STAGED, "m-resend")).isEqualTo(4);
    }

    @Test
    void shouldRefuseATamperedBodyWith401() throws Exception {
        enrol(ds, "m-tamper", "s");
        byte[] signedBody = gzip(productInserts("m-tamper", 1, 2));
        byte[] sentBody = gzip(org.edgesync.cloud.testing.Fixtures.batch("m-tamper",
                org.edgesync.cloud.testing.Fixtures.product(1, org.edgesync.contract.Operation.INSERT, "p-1", "Free", 0),
                org.edgesync.cloud.testing.Fixtures.product(2, org.edgesync.contract.Operation.INSERT, "p-2", "Free", 0)));

        assertRefused(send("m-tamper", signed("m-tamper", signedBody), sentBody), 401, "m-tamper");
    }

    @Test
    void shouldRefuseATamperedSeqHeaderWith401() throws Exception {
        enrol(ds, "m-seqhdr", "s");
        byte[] body = gzip(productInserts("m-seqhdr", 1, 2));
        Map<String, String> headers = new LinkedHashMap<>(signed("m-seqhdr", body));
        headers.put(RequestSignature.SEQ_HEADER, "1-3");

        assertRefused(send("m-seqhdr", headers, body), 401, "m-seqhdr");
    }

    @Test
    void shouldRefuseSignedSeqsThatDoNotMatchTheBodyWith403() throws Exception {
        enrol(ds, "m-seqbody", "s");
        byte[] body = gzip(productInserts("m-seqbody", 1, 2));
        byte[] json = new org.edgesync.contract.BatchCodec().gunzip(body);
        Map<String, String> headers = RequestSignature.headers(deviceKey("m-seqbody", 1), "m-seqbody", 1, "POST",
                "/api/v1/devices/m-seqbody/batches", json, 1, 5, now(), RequestSignature.newNonce());

        HttpResponse<String> response = send("m-seqbody", headers, body);

        assertRefused(response, 403, "m-seqbody");
        assertThat(response.body()).contains("signed seqs 1-5 do not match the batch's 1-2");
    }

    @Test
    void shouldRefuseABodyOfAnotherDeviceWith403() throws Exception {
        enrol(ds, "m-path", "s");
        enrol(ds, "m-other", "s");
        byte[] body = gzip(productInserts("m-other", 1, 2));

        assertRefused(send("m-path", signed("m-path", body), body), 403, "m-path");
        assertThat(count(ds, STAGED, "m-other")).isZero();
    }

    @Test
    void shouldRefuseADeviceSendingToAnotherDevicesPathWith403() throws Exception {
        enrol(ds, "m-sender", "s");
        enrol(ds, "m-target", "s");
        byte[] body = gzip(productInserts("m-target", 1, 2));

        HttpResponse<String> response = send("m-target", signedHeaders("m-target", "m-sender", 1,
                deviceKey("m-sender", 1), body, now(), RequestSignature.newNonce()), body);

        assertRefused(response, 403, "m-target");
        assertThat(count(ds, STAGED, "m-sender")).isZero();
    }

    @Test
    void shouldRefuseAnUnknownDeviceWith401() throws Exception {
        byte[] body = gzip(productInserts("m-nobody", 1, 1));

        assertRefused(send("m-nobody", signed("m-nobody", body), body), 401, "m-nobody");
    }

    @Test
    void shouldAnswer429WithRetryAfterWhenADeviceSendsTooFast() throws Exception {
        enrol(ds, "m-rate", "s");
        for (int i = 0; i < 4; i++) {
            byte[] body = gzip(productInserts("m-rate", i + 1, i + 1));
            assertThat(send("m-rate", signed("m-rate", body), body).statusCode()).isEqualTo(200);
        }
        byte[] body = gzip(productInserts("m-rate", 5, 5));

        HttpResponse<String> limited = send("m-rate", signed("m-rate", body), body);

        assertThat(limited.statusCode()).isEqualTo(429);
        assertThat(limited.headers().firstValue("Retry-After")).hasValueSatisfying(v ->
                assertThat(Long.parseLong(v)).isBetween(1L, 5L));
        assertThat(count(ds, STAGED, "m-rate")).isEqualTo(4);
    }

    @Test
    void shouldRefuseABatchWithTooManyChangesWith413() throws Exception {
        enrol(ds, "m-big", "s");
        byte[] body = gzip(productInserts("m-big", 1, 51));

        HttpResponse<String> response = send("m-big", signed("m-big", body), body);

        assertRefused(response, 413, "m-big");
        assertThat(response.body()).contains("batch has 51 changes but at most 50");
    }

    private void sql(String statement) throws Exception {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            s.executeUpdate(statement);
        }
    }
}
