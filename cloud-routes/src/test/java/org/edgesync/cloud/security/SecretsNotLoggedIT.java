package org.edgesync.cloud.security;

import org.edgesync.cloud.CloudMain;
import org.edgesync.cloud.admin.DemoCertificates;
import org.edgesync.cloud.testing.CloudNode;
import org.edgesync.cloud.testing.FreePorts;
import org.edgesync.cloud.testing.TestDatabase;
import org.edgesync.cloud.testing.TestPostgres;
import org.edgesync.cloud.testing.TestTls;
import org.edgesync.contract.auth.RequestSignature;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.edgesync.cloud.testing.Fixtures.count;
import static org.edgesync.cloud.testing.Fixtures.enrol;
import static org.edgesync.cloud.testing.Fixtures.gzip;
import static org.edgesync.cloud.testing.Fixtures.productInserts;
import static org.edgesync.cloud.testing.Fixtures.signedHeaders;

/**
 * Starts a node as its own JVM, like production (secrets in the environment, TLS on, Jolokia on, DEBUG for EdgeSync's
 * loggers), sends accepted and refused signed requests, stops it, and searches everything it printed for the master
 * key, the database, keystore and Jolokia passwords and the device key.
 */
class SecretsNotLoggedIT {

    private static final Duration AT_MOST = Duration.ofSeconds(Long.getLong("edgesync.test.wait.seconds", 60));

    @TempDir
    Path work;

    @Test
    void shouldNeverPrintASecretWhileStartingServingAndStopping() throws Exception {
        byte[] masterBytes = new byte[32];
        new SecureRandom().nextBytes(masterBytes);
        String masterKey = Base64.getEncoder().encodeToString(masterBytes);
        String dbPassword = "db-" + UUID.randomUUID();
        String keystorePassword = "ks-" + UUID.randomUUID();
        String jolokiaPassword = "jk-" + UUID.randomUUID();
        Path tls = work.resolve("tls");
        DemoCertificates.generate(tls, keystorePassword);
        byte[] deviceKey = RequestSignature.deriveDeviceKey(masterBytes, "pos-secret", 1);

        try (TestDatabase db = TestPostgres.newDatabase()) {
            int port = FreePorts.next();
            Path out = work.resolve("node.log");
            Map<String, String> props = new LinkedHashMap<>();
            props.put("edgesync.config.dir", CloudNode.CONFIG_DIR.toAbsolutePath().normalize().toString());
            props.put("edgesync.db.url", db.jdbcUrl());
            props.put("edgesync.db.user", db.user());
            props.put("edgesync.db.pool.max.size", "4");
            props.put("camel.server.port", String.valueOf(port));
            props.put("camel.management.port", String.valueOf(FreePorts.next()));
            props.put("edgesync.jolokia.port", String.valueOf(FreePorts.next()));
            props.put("edgesync.tls.keystore.file", tls.resolve(DemoCertificates.KEYSTORE).toString());
            props.put("org.slf4j.simpleLogger.log.org.edgesync", "debug");
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.add("-Xmx256m");
            props.forEach((k, v) -> command.add("-D" + k + "=" + v));
            command.add("-cp");
            command.add(System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")));
            command.add(CloudMain.class.getName());
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile());
            builder.environment().put("EDGESYNC_AUTH_MASTER_KEY", masterKey);
            // the test server trusts local connections, so any password connects; it must still never be printed
            builder.environment().put("EDGESYNC_DB_PASSWORD", dbPassword);
            builder.environment().put("EDGESYNC_TLS_KEYSTORE_PASSWORD", keystorePassword);
            builder.environment().put("EDGESYNC_JOLOKIA_PASSWORD", jolokiaPassword);
            Process process = builder.start();
            try {
                await("node ready").atMost(AT_MOST).until(() -> !process.isAlive()
                        || Files.readString(out).contains("Started ingest-batches"));
                assertThat(process.isAlive()).as(Files.readString(out)).isTrue();
                enrol(db.dataSource(), "pos-secret", "store-s");
                URI uri = URI.create("https://127.0.0.1:" + port + "/api/v1/devices/pos-secret/batches");
                byte[] body = gzip(productInserts("pos-secret", 1, 2));
                HttpClient client = TestTls.newClient(tls);

                Map<String, String> good = signedHeaders("pos-secret", "pos-secret", 1, deviceKey, body,
                        Instant.now().getEpochSecond(), RequestSignature.newNonce());
                assertThat(send(client, uri, good, body).statusCode()).isEqualTo(200);
                assertThat(send(client, uri, good, body).statusCode()).isEqualTo(401);
                Map<String, String> wrongKey = signedHeaders("pos-secret", "pos-secret", 1, new byte[32], body,
                        Instant.now().getEpochSecond(), RequestSignature.newNonce());
                assertThat(send(client, uri, wrongKey, body).statusCode()).isEqualTo(401);
                assertThat(count(db.dataSource(), "SELECT count(*) FROM edgesync.staged_change")).isEqualTo(2);
            } finally {
                process.destroy();
                if (!process.waitFor(30, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            }

            String log = Files.readString(out, StandardCharsets.UTF_8);
            assertThat(log).contains("Started ingest-batches").contains("refused with 401");
            for (String secret : List.of(masterKey, Base64.getUrlEncoder().withoutPadding().encodeToString(masterBytes),
                    HexFormat.of().formatHex(masterBytes), dbPassword, keystorePassword, jolokiaPassword,
                    RequestSignature.encodeKey(deviceKey), HexFormat.of().formatHex(deviceKey))) {
                assertThat(log).as("the node's output").doesNotContain(secret);
            }
        }
    }

    private static HttpResponse<String> send(HttpClient client, URI uri, Map<String, String> headers, byte[] body)
            throws Exception {
        return org.edgesync.cloud.testing.Fixtures.post(client, uri, headers, body);
    }
}
