package org.edgesync.ops.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.edgesync.contract.BatchCodec;
import org.edgesync.contract.Change;
import org.edgesync.contract.ChangeBatch;
import org.edgesync.contract.Operation;
import org.edgesync.contract.WireProtocol;
import org.edgesync.contract.auth.RequestSignature;

import javax.net.ssl.SSLContext;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * N simulated devices posting signed, gzipped batches to a cloud node at once, each as fast as the cloud answers
 * (one request in flight per device, like the edge's single transacted consumer). Bodies are encoded before the
 * clock starts; each attempt is signed at send time with a fresh timestamp and nonce, as the edge does.
 */
final class IngestLoad {

    /** A device as enrolment gave it. */
    record Device(String id, byte[] key) {
    }

    /** What the load produced: total changes, wall time, and each request's latency in ns. */
    record Result(long changes, double seconds, long[] latencyNanos, long failures) {
        double changesPerSecond() {
            return changes / seconds;
        }
    }

    private IngestLoad() {
    }

    /** The first {@code count} captured changes of a SQLite change table, as the edge would send them. */
    static List<Change> template(Path sqlite, int count) throws SQLException {
        BatchCodec codec = new BatchCodec();
        List<Change> changes = new ArrayList<>(count);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + sqlite); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT seq, table_name, op, pk, \"row\", captured_at FROM _edgesync_changes"
                     + " ORDER BY seq LIMIT " + count)) {
            while (rs.next()) {
                String row = rs.getString(5);
                changes.add(new Change(rs.getLong(1), rs.getString(2), Operation.parse(rs.getString(3)),
                        json(codec, rs.getString(4)), row == null ? null : json(codec, row), rs.getLong(6)));
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("a captured row is not JSON: " + e.getMessage(), e);
        }
        return changes;
    }

    private static ObjectNode json(BatchCodec codec, String text) throws com.fasterxml.jackson.core.JsonProcessingException {
        return (ObjectNode) codec.mapper().readTree(text);
    }

    /** Batch {@code n} (0-based) of a device: the template renumbered to seqs n*size+1 .. (n+1)*size. */
    static byte[] batchJson(BatchCodec codec, String deviceId, List<Change> template, int n, int size) {
        List<Change> changes = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            Change t = template.get((n * size + i) % template.size());
            changes.add(new Change((long) n * size + i + 1, t.table(), t.op(), t.pk(), t.row(), t.capturedAt()));
        }
        return codec.encode(ChangeBatch.of(deviceId, changes));
    }

    /**
     * One client for every run of a benchmark, so the connections (and their TLS sessions) a warm-up opened are the
     * ones the measured run uses, as a device keeps its connection to the cloud open between batches.
     */
    static HttpClient client(SSLContext ssl) {
        HttpClient.Builder builder = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10));
        if (ssl != null) {
            builder.sslContext(ssl);
        }
        return builder.build();
    }

    /** When, after the paced run's start, batch {@code batch} of device {@code device} is due: devices spread evenly. */
    static long dueOffsetNanos(long intervalNanos, int device, int devices, int batch) {
        return intervalNanos * device / devices + intervalNanos * batch;
    }

    /**
     * Every device sends batches {@code fromBatch .. fromBatch+batches-1}; the clock runs from the first send to
     * the last answer. With {@code intervalNanos} 0 each device sends as soon as its previous batch was answered;
     * otherwise one batch per interval, the devices spread evenly over it.
     */
    static Result run(String baseUrl, HttpClient client, List<Device> devices, List<Change> template, int fromBatch,
                      int batches, int size, long intervalNanos) throws Exception {
        BatchCodec codec = new BatchCodec();
        // Only the gzipped body and its digest (what an edge's signature covers) are kept: with the JSON too, the
        // bodies of a run kept 100-380 MB live in this JVM after each collection, and copying them paused the simulated
        // devices for up to 227 ms at a time, which the paced run counted as the cloud's latency.
        List<List<String>> bodyDigests = new ArrayList<>();
        List<List<byte[]>> gzipBodies = new ArrayList<>();
        for (Device device : devices) {
            List<String> digests = new ArrayList<>();
            List<byte[]> gz = new ArrayList<>();
            for (int b = fromBatch; b < fromBatch + batches; b++) {
                byte[] body = BatchCodec.gzip(batchJson(codec, device.id(), template, b, size));
                digests.add(RequestSignature.gzipBodyDigest(body));
                gz.add(body);
            }
            bodyDigests.add(digests);
            gzipBodies.add(gz);
        }
        long[] latencies = new long[devices.size() * batches];
        AtomicLong failures = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(devices.size());
        try {
            List<Future<?>> futures = new ArrayList<>();
            long start = System.nanoTime();
            for (int d = 0; d < devices.size(); d++) {
                int deviceIndex = d;
                futures.add(pool.submit(() -> {
                    Device device = devices.get(deviceIndex);
                    String path = WireProtocol.ingestPath(device.id());
                    URI uri = URI.create(baseUrl + path);
                    for (int b = 0; b < batches; b++) {
                        long due = 0;
                        if (intervalNanos > 0) {
                            due = start + dueOffsetNanos(intervalNanos, deviceIndex, devices.size(), b);
                            java.util.concurrent.locks.LockSupport.parkNanos(due - System.nanoTime());
                        }
                        long first = (long) (fromBatch + b) * size + 1;
                        long last = first + size - 1;
                        String digest = bodyDigests.get(deviceIndex).get(b);
                        // Paced, a batch's latency counts from when it was due, so a device held up by its
                        // previous batch counts that wait too (no coordinated omission).
                        long sent = intervalNanos > 0 ? due : System.nanoTime();
                        for (int attempt = 1; ; attempt++) {
                            var headers = RequestSignature.headersForGzipBody(device.key(), device.id(), 1, "POST",
                                    path, digest, first, last, System.currentTimeMillis() / 1000,
                                    RequestSignature.newNonce());
                            HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60))
                                    .header("Content-Type", "application/json")
                                    .header("Content-Encoding", "gzip")
                                    .header(WireProtocol.CHANGE_COUNT_HEADER, Integer.toString(size))
                                    .POST(HttpRequest.BodyPublishers.ofByteArray(gzipBodies.get(deviceIndex).get(b)));
                            headers.forEach(request::header);
                            String failure;
                            try {
                                HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
                                if (response.statusCode() / 100 == 2) {
                                    break;
                                }
                                failure = "HTTP " + response.statusCode() + " " + response.body();
                            } catch (java.io.IOException e) {
                                // A kept-alive connection the server closed meanwhile: a device resends, so does this one.
                                failure = e.toString();
                            }
                            failures.incrementAndGet();
                            if (attempt >= 20) {
                                throw new IllegalStateException("the cloud refused " + device.id() + " batch " + first
                                        + "-" + last + " " + attempt + " times, last: " + failure);
                            }
                            Thread.sleep(200); // a device backs off before it resends
                        }
                        latencies[deviceIndex * batches + b] = System.nanoTime() - sent;
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
            long end = System.nanoTime();
            return new Result((long) devices.size() * batches * size, (end - start) / 1e9, latencies, failures.get());
        } finally {
            pool.shutdownNow();
        }
    }
}
