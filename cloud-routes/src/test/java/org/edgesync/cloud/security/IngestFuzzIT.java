package org.edgesync.cloud.security;

import org.edgesync.cloud.testing.CloudNode;
import org.edgesync.cloud.testing.TestDatabase;
import org.edgesync.cloud.testing.TestPostgres;
import org.edgesync.cloud.testing.TestTls;
import org.edgesync.contract.BatchCodec;
import org.edgesync.contract.ChangeBatch;
import org.edgesync.contract.WireProtocol;
import org.edgesync.contract.auth.RequestSignature;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import javax.sql.DataSource;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.edgesync.cloud.testing.Fixtures.count;
import static org.edgesync.cloud.testing.Fixtures.deviceKey;
import static org.edgesync.cloud.testing.Fixtures.enrol;
import static org.edgesync.cloud.testing.Fixtures.productInserts;

/**
 * Sends {@value #MUTANTS} mutated requests (fixed seed {@value #SEED}) over real HTTPS to a real node: truncated and
 * corrupt gzip, wrong JSON types, huge numbers, deep nesting, unicode edge cases, wrong content types, and mutated
 * signature headers, most of them correctly signed so that the checks behind the signature are exercised too.
 * Valid signed batches of another device go alongside. None may get a 5xx, none of the mutants a 2xx, none of them
 * may write a row, and the valid traffic must land exactly.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class IngestFuzzIT {

    private static final long SEED = Long.getLong("edgesync.fuzz.seed", 20_261_104L);
    private static final int MUTANTS = Integer.getInteger("edgesync.fuzz.requests", 10_000);
    private static final int VALID_BATCHES = 300;
    private static final int IN_FLIGHT = 8;
    private static final String[] FUZZ_DEVICES = {"fz-a", "fz-b"};
    private static final String VALID_DEVICE = "fz-valid";
    private static final BatchCodec CODEC = new BatchCodec();
    /**
     * Headers beyond the server's 8 KB limit: Vert.x answers 431 and closes the connection, sometimes before the
     * client reads the answer. Sent on a client of their own, so the closed connections cannot hit other probes.
     */
    private static final String OVERSIZED_HEADER = "hdr:authorization-huge";
    private static final java.net.http.HttpClient CONNECTION_CLOSERS = TestTls.newClient();

    private TestDatabase db;
    private DataSource ds;
    private CloudNode node;

    /** One request to send, and what kind of mutation it carries. */
    private record Probe(String kind, String pathDevice, Map<String, String> headers, String contentType, byte[] body,
                         boolean valid) {
    }

    @BeforeAll
    void startNode() throws Exception {
        // ten thousand refusals are expected: keep their WARN lines out of the test output
        System.setProperty("org.slf4j.simpleLogger.log.org.edgesync.cloud.ingest", "error");
        db = TestPostgres.newDatabase();
        ds = db.dataSource();
        Map<String, String> props = new HashMap<>(TestTls.nodeProperties());
        props.put("edgesync.load.cron", "0 0 0 1 1 ? 2099");
        props.put("edgesync.db.pool.max.size", "10");
        node = CloudNode.start(db, props);
        for (String device : FUZZ_DEVICES) {
            enrol(ds, device, "store-fz");
        }
        enrol(ds, VALID_DEVICE, "store-fz");
    }

    @AfterAll
    void stopNode() {
        System.clearProperty("org.slf4j.simpleLogger.log.org.edgesync.cloud.ingest");
        if (node != null) {
            node.close();
        }
        db.close();
    }

    @Test
    void shouldAnswerEveryMutatedRequestWith4xxWriteNothingAndStillLandTheValidTraffic() throws Exception {
        Random random = new Random(SEED);
        List<Probe> probes = new ArrayList<>();
        int validEvery = MUTANTS / VALID_BATCHES;
        int nextValidSeq = 1;
        for (int i = 0; i < MUTANTS; i++) {
            probes.add(mutant(random));
            if (i % validEvery == 0 && nextValidSeq <= VALID_BATCHES * 3) {
                probes.add(valid(nextValidSeq));
                nextValidSeq += 3;
            }
        }
        long validSent = probes.stream().filter(Probe::valid).count();

        Map<String, Map<Integer, Integer>> statusesByKind = new ConcurrentHashMap<>();
        List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        Semaphore inFlight = new Semaphore(IN_FLIGHT);
        List<CompletableFuture<?>> all = new ArrayList<>();
        long started = System.nanoTime();
        for (Probe probe : probes) {
            inFlight.acquire();
            all.add(send(probe).handle((response, error) -> {
                inFlight.release();
                int status = error != null ? -1 : response.statusCode();
                statusesByKind.computeIfAbsent(probe.kind(), k -> new ConcurrentHashMap<>()).merge(status, 1, Integer::sum);
                boolean ok = probe.valid() ? status == 200 : status >= 400 && status < 500
                        || status == -1 && probe.kind().equals(OVERSIZED_HEADER);
                if (!ok && failures.size() < 20) {
                    failures.add(probe.kind() + " -> " + (error != null ? error.toString()
                            : status + " " + response.body()));
                }
                return status;
            }));
        }
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
        long seconds = Duration.ofNanos(System.nanoTime() - started).toSeconds();

        System.out.println("Fuzz seed " + SEED + ": " + probes.size() + " requests in " + seconds + " s; statuses by kind: "
                + new TreeMap<>(statusesByKind));
        assertThat(probes.size() - validSent).isGreaterThanOrEqualTo(MUTANTS);
        assertThat(failures).as("requests answered other than expected").isEmpty();
        assertThat(statusesByKind.values().stream().flatMap(m -> m.keySet().stream()).filter(s -> s >= 500))
                .as("5xx answers").isEmpty();
        for (String device : FUZZ_DEVICES) {
            assertThat(count(ds, "SELECT count(*) FROM edgesync.staged_change WHERE device_id = ?", device))
                    .as("rows written for mutated requests of " + device).isZero();
        }
        assertThat(count(ds, "SELECT count(*) FROM edgesync.staged_change WHERE device_id NOT IN ('fz-valid')"))
                .isZero();
        assertThat(count(ds, "SELECT count(*) FROM edgesync.staged_change WHERE device_id = 'fz-valid'"))
                .isEqualTo(validSent * 3);
        assertThat(count(ds, "SELECT max(seq) FROM edgesync.staged_change WHERE device_id = 'fz-valid'"))
                .isEqualTo(validSent * 3);
    }

    private CompletableFuture<HttpResponse<String>> send(Probe probe) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(node.ingestUri("x").toString()
                        .replace("/devices/x/", "/devices/" + probe.pathDevice() + "/")))
                .timeout(Duration.ofSeconds(60))
                .header("Content-Encoding", "gzip")
                .POST(HttpRequest.BodyPublishers.ofByteArray(probe.body()));
        if (probe.contentType() != null) {
            request.header("Content-Type", probe.contentType());
        }
        probe.headers().forEach(request::header);
        boolean closesConnection = probe.kind().equals(OVERSIZED_HEADER) || probe.kind().equals("gzip:bomb");
        return (closesConnection ? CONNECTION_CLOSERS : TestTls.client())
                .sendAsync(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static long now() {
        return Instant.now().getEpochSecond();
    }

    private Probe valid(long firstSeq) {
        byte[] json = CODEC.encode(productInserts(VALID_DEVICE, firstSeq, firstSeq + 2));
        return new Probe("valid", VALID_DEVICE, sign(VALID_DEVICE, VALID_DEVICE, json, firstSeq, firstSeq + 2),
                "application/json", BatchCodec.gzip(json), true);
    }

    private static Map<String, String> sign(String pathDevice, String device, byte[] signedBytes, long first, long last) {
        return new LinkedHashMap<>(RequestSignature.headers(deviceKey(device, 1), device, 1, "POST",
                WireProtocol.ingestPath(pathDevice), signedBytes, first, last, now(), RequestSignature.newNonce()));
    }

    private Probe mutant(Random r) {
        String device = FUZZ_DEVICES[r.nextInt(FUZZ_DEVICES.length)];
        long first = 1 + r.nextInt(1_000_000);
        ChangeBatch batch = productInserts(device, first, first + 2);
        String json = new String(CODEC.encode(batch), StandardCharsets.UTF_8);
        return switch (r.nextInt(4)) {
            case 0 -> jsonMutant(r, device, first, json);
            case 1 -> gzipMutant(r, device, first, json);
            case 2 -> headerMutant(r, device, first, json);
            default -> r.nextBoolean() ? jsonMutant(r, device, first, json) : contentTypeMutant(r, device, first, json);
        };
    }

    /** Valid gzip of invalid JSON, correctly signed: the envelope checks must refuse it. */
    private Probe jsonMutant(Random r, String device, long first, String json) {
        String other = device.equals("fz-a") ? "fz-b" : "fz-a";
        List<Map.Entry<String, UnaryOperator<String>>> mutations = List.of(
                Map.entry("seq-as-string", j -> first(j, "\"seq\":(\\d+)", m -> "\"seq\":\"" + m.group(1) + "\"")),
                Map.entry("changes-as-object", j -> j.replaceFirst("\"changes\":\\[.*]}$", "\"changes\":{}}")),
                Map.entry("changes-empty", j -> j.replaceFirst("\"changes\":\\[.*]}$", "\"changes\":[]}")),
                Map.entry("op-as-number", j -> j.replaceFirst("\"op\":\"insert\"", "\"op\":7")),
                Map.entry("op-unknown", j -> j.replaceFirst("\"op\":\"insert\"", "\"op\":\"upsert\"")),
                Map.entry("pk-as-string", j -> j.replaceFirst("\"pk\":\\{[^}]*}", "\"pk\":\"x\"")),
                Map.entry("row-as-array", j -> j.replaceFirst("\"row\":\\{[^}]*}", "\"row\":[1,2]")),
                Map.entry("device-as-number", j -> j.replaceFirst("\"deviceId\":\"[^\"]*\"", "\"deviceId\":123")),
                Map.entry("device-other", j -> j.replaceFirst("\"deviceId\":\"[^\"]*\"", "\"deviceId\":\"" + other + "\"")),
                Map.entry("device-unicode-hyphen", j -> j.replaceFirst("\"deviceId\":\"fz-", "\"deviceId\":\"fz\u2010")),
                Map.entry("firstSeq-huge-float", j -> j.replaceFirst("\"firstSeq\":\\d+", "\"firstSeq\":1e30")),
                Map.entry("seq-huge", j -> first(j, "\"seq\":(\\d+)", m -> "\"seq\":99999999999999999999")),
                Map.entry("seq-negative", j -> first(j, "\"seq\":(\\d+)", m -> "\"seq\":-" + m.group(1))),
                Map.entry("seq-zero", j -> j.replaceFirst("\"firstSeq\":\\d+", "\"firstSeq\":0")),
                Map.entry("lastSeq-mismatch", j -> j.replaceFirst("\"lastSeq\":(\\d+)", "\"lastSeq\":$1" + "7")),
                Map.entry("capturedAt-huge", j -> j.replaceFirst("\"capturedAt\":\\d+", "\"capturedAt\":99999999999999999999999")),
                Map.entry("capturedAt-year-300000", j -> j.replaceFirst("\"capturedAt\":\\d+", "\"capturedAt\":9400000000000000")),
                Map.entry("capturedAt-float", j -> j.replaceFirst("\"capturedAt\":\\d+", "\"capturedAt\":1e300")),
                Map.entry("capturedAt-negative", j -> j.replaceFirst("\"capturedAt\":\\d+", "\"capturedAt\":-1")),
                Map.entry("number-infinite", j -> j.replaceFirst("\"price_cents\":\\d+", "\"price_cents\":1e400")),
                Map.entry("nesting-deep", j -> j.replaceFirst("\"name\":\"[^\"]*\"", "\"name\":" + "[".repeat(40 + r.nextInt(4000))
                        + "]".repeat(0))),
                Map.entry("nesting-balanced", j -> {
                    int depth = 33 + r.nextInt(200);
                    return j.replaceFirst("\"name\":\"[^\"]*\"", "\"name\":" + "[".repeat(depth) + "]".repeat(depth));
                }),
                Map.entry("string-nul", j -> j.replaceFirst("\"name\":\"", "\"name\":\"a\\\\u0000")),
                Map.entry("string-lone-surrogate", j -> j.replaceFirst("\"name\":\"", "\"name\":\"\\\\ud800")),
                Map.entry("string-lone-low-surrogate", j -> j.replaceFirst("\"name\":\"", "\"name\":\"x\\\\udc00")),
                Map.entry("fieldname-nul", j -> j.replaceFirst("\"name\":", "\"na\\\\u0000me\":")),
                Map.entry("table-emoji", j -> j.replaceFirst("\"table\":\"products\"", "\"table\":\"prod\uD83C\uDF5E\"")),
                Map.entry("table-sql", j -> j.replaceFirst("\"table\":\"products\"", "\"table\":\"products; DROP TABLE x\"")),
                Map.entry("table-rtl", j -> j.replaceFirst("\"table\":\"products\"", "\"table\":\"products\u202e\"")),
                Map.entry("unknown-field", j -> j.replaceFirst("^\\{", "{\"evil\":1,")),
                Map.entry("duplicate-key", j -> j.replaceFirst("\"firstSeq\":(\\d+)", "\"firstSeq\":$1,\"firstSeq\":$1")),
                Map.entry("truncated-json", j -> j.substring(0, 1 + r.nextInt(j.length() - 2))),
                Map.entry("json-null", j -> "null"),
                Map.entry("json-array", j -> "[" + j + "]"),
                Map.entry("json-string", j -> "\"" + j.replace("\"", "\\\"") + "\""),
                Map.entry("json-empty", j -> ""),
                Map.entry("trailing-garbage", j -> j + "}{")
        );
        Map.Entry<String, UnaryOperator<String>> mutation = mutations.get(r.nextInt(mutations.size()));
        String mutated = mutation.getValue().apply(json);
        assertThat(mutated).as(mutation.getKey()).isNotEqualTo(json);
        byte[] bytes = mutated.getBytes(StandardCharsets.UTF_8);
        if (mutation.getKey().equals("nesting-deep") || r.nextInt(50) == 0) {
            bytes = withInvalidUtf8(r, bytes);
        }
        return new Probe("json:" + mutation.getKey(), device, sign(device, device, bytes, first, first + 2),
                "application/json", BatchCodec.gzip(bytes), false);
    }

    private static byte[] withInvalidUtf8(Random r, byte[] bytes) {
        if (bytes.length < 3) {
            return new byte[]{(byte) 0xFF};
        }
        byte[] out = Arrays.copyOf(bytes, bytes.length + 1);
        int at = 1 + r.nextInt(Math.max(1, bytes.length - 2));
        System.arraycopy(bytes, at, out, at + 1, bytes.length - at);
        out[at] = (byte) (r.nextBoolean() ? 0xFF : 0xC0);
        return out;
    }

    /** Broken gzip, signed over the bytes as sent. */
    private Probe gzipMutant(Random r, String device, long first, String json) {
        byte[] gz = BatchCodec.gzip(json.getBytes(StandardCharsets.UTF_8));
        String kind;
        byte[] body;
        switch (r.nextInt(6)) {
            case 0 -> {
                kind = "gzip:truncated";
                body = Arrays.copyOf(gz, r.nextInt(gz.length - 1));
            }
            case 1 -> {
                kind = "gzip:flipped-byte";
                body = gz.clone();
                int at = 10 + r.nextInt(body.length - 10);
                body[at] ^= (byte) (1 + r.nextInt(255));
            }
            case 2 -> {
                kind = "gzip:random-bytes";
                body = new byte[r.nextInt(2000)];
                r.nextBytes(body);
            }
            case 3 -> {
                kind = "gzip:not-gzipped";
                body = json.getBytes(StandardCharsets.UTF_8);
            }
            case 4 -> {
                kind = "gzip:header-only";
                body = Arrays.copyOf(gz, 10);
            }
            default -> {
                if (r.nextInt(40) == 0) {
                    kind = "gzip:bomb";
                    body = gzipOfZeros(17 << 20);
                } else {
                    kind = "gzip:appended-garbage";
                    body = Arrays.copyOf(gz, gz.length + 8);
                    r.nextBytes(Arrays.copyOfRange(body, gz.length, body.length));
                    for (int i = gz.length; i < body.length; i++) {
                        body[i] = (byte) (0x20 + r.nextInt(90));
                    }
                }
            }
        }
        return new Probe(kind, device, sign(device, device, body, first, first + 2), "application/json", body, false);
    }

    private static byte[] gzipOfZeros(int size) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            byte[] zeros = new byte[64 * 1024];
            for (int written = 0; written < size; written += zeros.length) {
                gz.write(zeros);
            }
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toByteArray();
    }

    /** A valid body whose signature headers are broken one way or another. */
    private Probe headerMutant(Random r, String device, long first, String json) {
        byte[] plain = json.getBytes(StandardCharsets.UTF_8);
        byte[] gz = BatchCodec.gzip(plain);
        Map<String, String> h = sign(device, device, plain, first, first + 2);
        String other = device.equals("fz-a") ? "fz-b" : "fz-a";
        String pathDevice = device;
        String auth = h.get("Authorization");
        String kind;
        switch (r.nextInt(20)) {
            case 0 -> { kind = "hdr:no-authorization"; h.remove("Authorization"); }
            case 1 -> { kind = "hdr:no-timestamp"; h.remove(RequestSignature.TIMESTAMP_HEADER); }
            case 2 -> { kind = "hdr:no-nonce"; h.remove(RequestSignature.NONCE_HEADER); }
            case 3 -> { kind = "hdr:no-seq"; h.remove(RequestSignature.SEQ_HEADER); }
            case 4 -> {
                kind = "hdr:signature-flipped";
                int at = auth.length() - 1 - r.nextInt(64);
                char c = auth.charAt(at);
                h.put("Authorization", auth.substring(0, at) + (c == '0' ? '1' : '0') + auth.substring(at + 1));
            }
            case 5 -> { kind = "hdr:timestamp-plus-one"; h.put(RequestSignature.TIMESTAMP_HEADER, String.valueOf(now() + 1 + r.nextInt(5))); }
            case 6 -> {
                kind = "hdr:timestamp-garbage";
                String[] values = {"abc", "-5", "1e9", "99999999999999999999", "", " ", "0x10", "1.5"};
                h.put(RequestSignature.TIMESTAMP_HEADER, values[r.nextInt(values.length)]);
            }
            case 7 -> { kind = "hdr:nonce-other"; h.put(RequestSignature.NONCE_HEADER, RequestSignature.newNonce()); }
            case 8 -> {
                kind = "hdr:nonce-garbage";
                String[] values = {"short", "a".repeat(129), "has space in it!!", "../../etc/passwd....", "%00%00%00%00%00%00"};
                h.put(RequestSignature.NONCE_HEADER, values[r.nextInt(values.length)]);
            }
            case 9 -> {
                kind = "hdr:seq-garbage";
                String[] values = {"0-0", "3-1", "a-b", "1-99999999999999999999", "1", "-", "1--2", (first + 1) + "-" + (first + 2)};
                h.put(RequestSignature.SEQ_HEADER, values[r.nextInt(values.length)]);
            }
            case 10 -> { kind = "hdr:scheme-lowercase"; h.put("Authorization", auth.replace("EDGESYNC-HMAC-SHA256", "edgesync-hmac-sha256")); }
            case 11 -> { kind = "hdr:bearer"; h.put("Authorization", "Bearer " + RequestSignature.newNonce()); }
            case 12 -> { kind = "hdr:version-zero"; h.put("Authorization", auth.replace("/1,", "/0,")); }
            case 13 -> { kind = "hdr:version-two"; h.put("Authorization", auth.replace("/1,", "/2,")); }
            case 14 -> { kind = "hdr:credential-other-device"; h.put("Authorization", auth.replace("Credential=" + device, "Credential=" + other)); }
            case 15 -> { kind = "hdr:credential-unknown"; h.put("Authorization", auth.replace("Credential=" + device, "Credential=fz-ghost")); }
            case 16 -> { kind = "hdr:path-other-device"; pathDevice = other; }
            case 17 -> { kind = "hdr:path-unicode"; pathDevice = "fz-%C3%A4" + r.nextInt(10); }
            case 18 -> { kind = "hdr:authorization-huge"; h.put("Authorization", auth + " " + "A".repeat(2000 + r.nextInt(20_000))); }
            default -> { kind = "hdr:authorization-extra-param"; h.put("Authorization", auth + ", Extra=1"); }
        }
        return new Probe(kind, pathDevice, h, "application/json", gz, false);
    }

    /** A valid, correctly signed batch sent with a content type other than application/json. */
    private Probe contentTypeMutant(Random r, String device, long first, String json) {
        byte[] plain = json.getBytes(StandardCharsets.UTF_8);
        String[] types = {null, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=xyz",
                "application/xml", "application/jsonx", "application/octet-stream", "text/json"};
        String type = types[r.nextInt(types.length)];
        return new Probe("content-type:" + type, device, sign(device, device, plain, first, first + 2), type,
                BatchCodec.gzip(plain), false);
    }

    private static String first(String text, String regex, java.util.function.Function<Matcher, String> replacement) {
        Matcher m = Pattern.compile(regex).matcher(text);
        if (!m.find()) {
            return text;
        }
        return text.substring(0, m.start()) + replacement.apply(m) + text.substring(m.end());
    }
}
