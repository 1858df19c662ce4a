package org.edgesync.cloud.testing;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.edgesync.cloud.auth.MasterKey;
import org.edgesync.cloud.auth.RequestAuthenticator;
import org.edgesync.cloud.auth.SeenRequests;
import org.edgesync.cloud.ingest.BatchIngestor;
import org.edgesync.cloud.ingest.DeviceTelemetry;
import org.edgesync.cloud.ingest.IngestResult;
import org.edgesync.cloud.ingest.RateLimiter;
import org.edgesync.contract.WireProtocol;
import org.edgesync.contract.auth.RequestSignature;
import org.edgesync.contract.BatchCodec;
import org.edgesync.contract.Change;
import org.edgesync.contract.ChangeBatch;
import org.edgesync.contract.Operation;

import javax.sql.DataSource;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/** Devices, demo-shop changes and HTTP posts for cloud tests. */
public final class Fixtures {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final BatchCodec CODEC = new BatchCodec();

    private Fixtures() {
    }

    /** The master key every test node runs with (base64 of 32 bytes 0x00..0x1f); never a production value. */
    public static final String MASTER_KEY_BASE64 = Base64.getEncoder().encodeToString(testMasterKeyBytes());
    public static final MasterKey MASTER_KEY = MasterKey.load(null, MASTER_KEY_BASE64);

    private static byte[] testMasterKeyBytes() {
        byte[] key = new byte[32];
        for (int i = 0; i < key.length; i++) {
            key[i] = (byte) i;
        }
        return key;
    }

    /** Enrols a device the way {@code ops/devices enrol} does: a row at key version 1, no secret stored. */
    public static void enrol(DataSource db, String deviceId, String storeId) throws SQLException {
        try (Connection c = db.getConnection();
             PreparedStatement insert = c.prepareStatement(
                     "INSERT INTO edgesync.device (device_id, store_id) VALUES (?, ?)")) {
            insert.setString(1, deviceId);
            insert.setString(2, storeId);
            insert.executeUpdate();
        }
    }

    /** The key a device holds, derived from the test master key. */
    public static byte[] deviceKey(String deviceId, int keyVersion) {
        return MASTER_KEY.deviceKey(deviceId, keyVersion);
    }

    /** An ingestor on the database as a node wires it, with the test master key and no practical rate limit. */
    public static BatchIngestor ingestor(DataSource db) {
        return new BatchIngestor(db, 1 << 24, 100_000,
                new RequestAuthenticator(MASTER_KEY, 300, Clock.systemUTC()), new RateLimiter(1_000_000, 1_000_000),
                new SeenRequests(db, 300));
    }

    /** Hands a gzipped batch to the ingestor signed by the device in the path, as the edge would send it. */
    public static IngestResult ingestSigned(BatchIngestor ingestor, String pathDeviceId, byte[] gzipBody) {
        Map<String, String> h = signedHeaders(pathDeviceId, pathDeviceId, 1, deviceKey(pathDeviceId, 1), gzipBody,
                Instant.now().getEpochSecond(), RequestSignature.newNonce());
        return ingestor.ingest(pathDeviceId, h.get("Authorization"), h.get("X-EdgeSync-Timestamp"),
                h.get("X-EdgeSync-Nonce"), h.get("X-EdgeSync-Seq"), h.get(RequestSignature.SIGNED_BODY_HEADER),
                "application/json", gzipBody, DeviceTelemetry.NONE);
    }

    /**
     * The signature headers for a gzipped body signed over its bytes as sent, like the edge does. The seqs are the
     * batch's; a body that does not inflate or decode is signed with seqs 1-1, so refusals of the body itself can be
     * tested with an otherwise valid signature.
     */
    public static Map<String, String> signedHeaders(String pathDeviceId, String signAs, int keyVersion, byte[] key,
                                                    byte[] gzipBody, long epochSeconds, String nonce) {
        long[] seqs = seqs(inflatedOrAsIs(gzipBody));
        return RequestSignature.headersForGzipBody(key, signAs, keyVersion, "POST", WireProtocol.ingestPath(pathDeviceId),
                RequestSignature.gzipBodyDigest(gzipBody), seqs[0], seqs[1], epochSeconds, nonce);
    }

    /** As {@link #signedHeaders}, signed over the inflated JSON as edges of earlier versions sign. */
    public static Map<String, String> signedOverJson(String pathDeviceId, String signAs, int keyVersion, byte[] key,
                                                     byte[] gzipBody, long epochSeconds, String nonce) {
        byte[] json = inflatedOrAsIs(gzipBody);
        long[] seqs = seqs(json);
        return RequestSignature.headers(key, signAs, keyVersion, "POST", WireProtocol.ingestPath(pathDeviceId), json,
                seqs[0], seqs[1], epochSeconds, nonce);
    }

    private static byte[] inflatedOrAsIs(byte[] gzipBody) {
        try {
            return CODEC.gunzip(gzipBody);
        } catch (RuntimeException e) {
            return gzipBody;
        }
    }

    private static long[] seqs(byte[] json) {
        try {
            ChangeBatch batch = CODEC.decode(json);
            return new long[] {batch.firstSeq(), batch.lastSeq()};
        } catch (RuntimeException e) {
            return new long[] {1, 1};
        }
    }

    public static ObjectNode obj() {
        return JsonNodeFactory.instance.objectNode();
    }

    public static Change product(long seq, Operation op, String sku, String name, long priceCents) {
        ObjectNode row = op == Operation.DELETE ? null : obj().put("sku", sku).put("name", name)
                .put("price_cents", priceCents).put("updated_at", "2024-03-01T10:00:00+01:00");
        return new Change(seq, "products", op, obj().put("sku", sku), row, Instant.now().toEpochMilli());
    }

    public static Change change(long seq, String table, Operation op, ObjectNode pk, ObjectNode row) {
        return new Change(seq, table, op, pk, row, Instant.now().toEpochMilli());
    }

    public static ChangeBatch batch(String deviceId, Change... changes) {
        return ChangeBatch.of(deviceId, List.of(changes));
    }

    /** Products p-first..p-last inserted with seqs first..last. */
    public static ChangeBatch productInserts(String deviceId, long first, long last) {
        List<Change> changes = new ArrayList<>();
        for (long seq = first; seq <= last; seq++) {
            changes.add(product(seq, Operation.INSERT, "p-" + seq, "Product " + seq, 100 + seq));
        }
        return ChangeBatch.of(deviceId, changes);
    }

    public static byte[] gzip(ChangeBatch batch) {
        return CODEC.encodeGzip(batch);
    }

    /**
     * POSTs a gzipped batch signed by {@code signAs} with its key version 1 and a fresh nonce; {@code signAs} null
     * sends no signature headers at all.
     */
    public static HttpResponse<String> post(URI uri, String signAs, byte[] body) throws Exception {
        Map<String, String> headers = signAs == null ? Map.of()
                : signedHeaders(pathDevice(uri), signAs, 1, deviceKey(signAs, 1), body, Instant.now().getEpochSecond(),
                RequestSignature.newNonce());
        return post(HTTP, uri, headers, body);
    }

    /** POSTs a body with the given headers (plus JSON gzip content headers) through the given client. */
    public static HttpResponse<String> post(HttpClient client, URI uri, Map<String, String> headers, byte[] body)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .header("Content-Encoding", "gzip")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach(request::header);
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The device id in an ingest URI, /api/v1/devices/{deviceId}/batches. */
    public static String pathDevice(URI uri) {
        String[] parts = uri.getPath().split("/");
        return parts[parts.length - 2];
    }

    public static HttpResponse<String> get(URI uri) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    public static long count(DataSource db, String sql, Object... params) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                s.setObject(i + 1, params[i]);
            }
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }
}
