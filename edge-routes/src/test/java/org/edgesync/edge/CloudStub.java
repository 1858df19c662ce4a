package org.edgesync.edge;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import org.edgesync.contract.BatchCodec;
import org.edgesync.contract.Change;
import org.edgesync.contract.ChangeBatch;
import org.edgesync.contract.auth.RequestSignature;

import javax.net.ssl.SSLContext;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.zip.GZIPInputStream;

/**
 * A real HTTP(S) server on a free port standing in for the cloud's ingest endpoint. Every request is
 * gunzipped, decoded with the contract's codec and its signature checked as the cloud checks it (key
 * derived by {@link TestKeys}, the contract's {@link RequestSignature}): a request whose signature does
 * not verify is answered 401 and never reaches the answer function the test sets.
 */
public final class CloudStub implements AutoCloseable {

    /** What the stub answers, with optional extra response headers (e.g. Retry-After). */
    public record Answer(int status, String body, Map<String, String> headers) {
        public Answer(int status, String body) {
            this(status, body, Map.of());
        }

        public static Answer accepted(ChangeBatch batch) {
            return new Answer(200, "{\"accepted\":" + batch.changes().size() + ",\"duplicates\":0}");
        }
    }

    /** One request as the stub saw it; {@code signed} says whether its signature verified. */
    public record Received(String path, Map<String, List<String>> headers, ChangeBatch batch, int status,
                           boolean signed, long receivedAtMillis) {
        public String header(String name) {
            List<String> values = headers.get(name.substring(0, 1).toUpperCase() + name.substring(1).toLowerCase());
            return values == null || values.isEmpty() ? null : values.get(0);
        }
    }

    private final BatchCodec codec = new BatchCodec();
    private final HttpServer server;
    private final String scheme;
    private final List<Received> requests = new CopyOnWriteArrayList<>();
    private volatile Function<ChangeBatch, Answer> answer = Answer::accepted;

    /** Plain HTTP on a free port of 127.0.0.1. */
    public CloudStub() throws IOException {
        this(null, 0);
    }

    /** HTTPS with the given server context on {@code port} (0: a free one), on 127.0.0.1. */
    public CloudStub(SSLContext tls, int port) throws IOException {
        InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
        if (tls == null) {
            server = HttpServer.create(address, 0);
            scheme = "http";
        } else {
            HttpsServer https = HttpsServer.create(address, 0);
            https.setHttpsConfigurator(new HttpsConfigurator(tls));
            server = https;
            scheme = "https";
        }
        server.createContext("/", this::handle);
        // Like the cloud, answer several requests at once: the edge keeps more than one batch in flight.
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        server.start();
    }

    /** Base URL with the loopback IP (plain HTTP stubs). */
    public String url() {
        return scheme + "://127.0.0.1:" + port();
    }

    /** Base URL with a host name, for TLS host name checks. */
    public String url(String host) {
        return scheme + "://" + host + ":" + port();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public void answer(Function<ChangeBatch, Answer> answer) {
        this.answer = answer;
    }

    public List<Received> requests() {
        return requests;
    }

    /** Seqs of every change in the batches the stub accepted (2xx), in arrival order, duplicates kept. */
    public List<Long> acceptedSeqs() {
        List<Long> seqs = new ArrayList<>();
        for (Received r : requests) {
            if (r.status() / 100 == 2) {
                r.batch().changes().stream().map(Change::seq).forEach(seqs::add);
            }
        }
        return seqs;
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange; InputStream in = exchange.getRequestBody()) {
            long now = System.currentTimeMillis();
            byte[] body = in.readAllBytes();
            String path = exchange.getRequestURI().getRawPath();
            ChangeBatch batch;
            Answer reply;
            boolean signed = false;
            try {
                batch = codec.decodeGzip(body);
                signed = verifies(exchange, path, body, batch);
                reply = signed ? answer.apply(batch) : new Answer(401, "{\"error\":\"signature does not verify\"}");
            } catch (RuntimeException e) {
                batch = null;
                reply = new Answer(400, "{\"error\":\"" + String.valueOf(e.getMessage()).replace("\"", "'") + "\"}");
            }
            requests.add(new Received(path, Map.copyOf(exchange.getRequestHeaders()), batch, reply.status(), signed, now));
            byte[] out = reply.body().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            reply.headers().forEach(exchange.getResponseHeaders()::add);
            exchange.sendResponseHeaders(reply.status(), out.length);
            exchange.getResponseBody().write(out);
        }
    }

    /**
     * What the cloud checks: the credential's key, path device == credential device == batch device, seq, signature
     * over the gzip body as sent (X-EdgeSync-Signed-Body: gzip) or over the inflated JSON (no such header).
     */
    private static boolean verifies(HttpExchange exchange, String path, byte[] body, ChangeBatch batch) {
        var headers = exchange.getRequestHeaders();
        RequestSignature.Credential credential = RequestSignature.parseAuthorization(headers.getFirst(RequestSignature.AUTHORIZATION_HEADER));
        String timestamp = headers.getFirst(RequestSignature.TIMESTAMP_HEADER);
        String nonce = headers.getFirst(RequestSignature.NONCE_HEADER);
        String seq = headers.getFirst(RequestSignature.SEQ_HEADER);
        if (credential == null || timestamp == null || nonce == null || !RequestSignature.NONCE.matcher(nonce).matches()
                || !(batch.firstSeq() + "-" + batch.lastSeq()).equals(seq)
                || !credential.deviceId().equals(batch.deviceId())
                || !path.equals("/api/v1/devices/" + credential.deviceId() + "/batches")) {
            return false;
        }
        long epochSeconds = Long.parseLong(timestamp);
        if (Math.abs(System.currentTimeMillis() / 1000 - epochSeconds) > 300) {
            return false;
        }
        String signedBody = headers.getFirst(RequestSignature.SIGNED_BODY_HEADER);
        String digest;
        if (signedBody == null) {
            digest = RequestSignature.sha256Hex(gunzip(body));
        } else if (signedBody.equals(RequestSignature.SIGNED_BODY_GZIP)) {
            digest = RequestSignature.gzipBodyDigest(body);
        } else {
            return false;
        }
        String canonical = RequestSignature.canonical("POST", path, digest, credential.deviceId(),
                batch.firstSeq(), batch.lastSeq(), epochSeconds, nonce);
        byte[] key = TestKeys.deviceKey(credential.deviceId(), credential.keyVersion());
        return RequestSignature.matches(RequestSignature.sign(key, canonical), credential.signatureHex());
    }

    private static byte[] gunzip(byte[] body) {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(body))) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalArgumentException("body is not gzip", e);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }
}
