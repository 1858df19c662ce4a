package org.edgesync.cloud.testing;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.edgesync.cloud.ingest.BatchIngestor;
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
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Devices, demo-shop changes and HTTP posts for cloud tests. */
public final class Fixtures {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final BatchCodec CODEC = new BatchCodec();

    private Fixtures() {
    }

    /** Enrols a device the way the demo does: a row with the SHA-256 of its token. */
    public static void enrol(DataSource db, String deviceId, String storeId, String token) throws SQLException {
        try (Connection c = db.getConnection();
             PreparedStatement insert = c.prepareStatement(
                     "INSERT INTO edgesync.device (device_id, store_id, token_sha256) VALUES (?, ?, ?)")) {
            insert.setString(1, deviceId);
            insert.setString(2, storeId);
            insert.setString(3, BatchIngestor.tokenSha256Hex(token));
            insert.executeUpdate();
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

    public static HttpResponse<String> post(URI uri, String token, byte[] body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .header("Content-Encoding", "gzip")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
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
