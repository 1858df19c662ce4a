package org.edgesync.edge;

import org.edgesync.contract.auth.RequestSignature;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The device's secrets never reach its log: the runnable jar, as on a device, with a known key, trust store
 * password and Jolokia password in its environment, through deliveries that succeed and fail in every way
 * the edge logs (503, 401, 429 with Retry-After, 422 to the DLQ). Its whole stdout and stderr must contain
 * none of them, nor any Authorization header value it sent.
 */
class SecretsNotLoggedIT {

    private static final String DEVICE = "store-001-pos-1";

    @TempDir
    Path dir;
    private CloudStub cloud;
    private EdgeProcess edge;

    @AfterEach
    void tearDown() throws Exception {
        if (edge != null) {
            edge.close();
        }
        if (cloud != null) {
            cloud.close();
        }
    }

    private static String tail(String log) {
        return log.length() > 6000 ? log.substring(log.length() - 6000) : log;
    }

    @Test
    void shouldNeverLogTheDeviceKeyTheTrustStorePasswordOrASignature() throws Exception {
        TestPki pki = TestPki.create(dir.resolve("pki"), "EdgeSync test cloud CA", "dns:localhost");
        cloud = new CloudStub(pki.serverContext(), 0);
        AtomicInteger calls = new AtomicInteger();
        cloud.answer(batch -> switch (calls.incrementAndGet()) {
            case 1 -> new CloudStub.Answer(503, "{\"error\":\"database unavailable\"}");
            case 2 -> new CloudStub.Answer(401, "{\"error\":\"unknown device or bad signature\"}");
            case 3 -> new CloudStub.Answer(429, "{\"error\":\"rate limit\"}", Map.of("Retry-After", "1"));
            case 4 -> new CloudStub.Answer(422, "{\"error\":\"changes[0].row.price_cents must be a scalar\"}");
            default -> CloudStub.Answer.accepted(batch);
        });
        String key = TestKeys.encoded(DEVICE);
        String jolokiaPassword = UUID.randomUUID().toString();
        Path shop = ShopDatabase.create(dir.resolve("shop.db"));
        Map<String, String> props = new HashMap<>();
        props.put("edgesync.sqlite.path", shop.toString());
        props.put("edgesync.broker.data.dir", dir.resolve("broker").toString());
        props.put("edgesync.cloud.url", cloud.url("localhost"));
        props.put("edgesync.cloud.truststore.file", pki.truststore().toString());
        props.put("edgesync.poll.batch.size", "1");
        props.put("edgesync.poll.interval.ms", "100");
        props.put("edgesync.jolokia.port", Integer.toString(FreePorts.next()));
        edge = EdgeProcess.start(dir, "edge", props, Map.of(
                "EDGESYNC_DEVICE_KEY", key,
                "EDGESYNC_CLOUD_TRUSTSTORE_PASSWORD", pki.password(),
                "EDGESYNC_JOLOKIA_PASSWORD", jolokiaPassword));

        await("edge started, capture installed").atMost(Timeouts.seconds(60))
                .until(() -> edge.output().contains("Started poll-changes"));
        ShopDatabase.execute(shop, "INSERT INTO products VALUES ('A-1', 'Brot', 299, 'now')",
                "INSERT INTO products VALUES ('A-2', 'Milch', 129, 'now')",
                "INSERT INTO products VALUES ('A-3', 'Käse', 499, 'now')");

        try {
            await("two batches delivered, one dead-lettered").atMost(Timeouts.seconds(90))
                    .until(() -> new TreeSet<>(cloud.acceptedSeqs()).size() == 2 && cloud.requests().size() >= 6);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("cloud saw " + cloud.requests().stream().map(CloudStub.Received::status).toList()
                    + "; the edge's log ends with:\n" + tail(edge.output()), e);
        }
        edge.close();

        String log = edge.output();
        assertThat(log).as("the edge did log its work").contains("Delivered changes", "Retry-After", "HTTP 401", "HTTP 503",
                "moved to edgesync.batches.dlq", "Jolokia serves");
        byte[] rawKey = TestKeys.deviceKey(DEVICE, 1);
        List<String> secrets = List.of(key, Base64.getEncoder().encodeToString(rawKey),
                java.util.HexFormat.of().formatHex(rawKey), pki.password(), jolokiaPassword);
        for (String secret : secrets) {
            assertThat(log).as("a secret in the log").doesNotContain(secret);
        }
        for (CloudStub.Received request : cloud.requests()) {
            String authorization = request.header(RequestSignature.AUTHORIZATION_HEADER);
            assertThat(log).doesNotContain(authorization)
                    .doesNotContain(RequestSignature.parseAuthorization(authorization).signatureHex());
        }
        assertThat(log).doesNotContain("Signature=");
    }
}
