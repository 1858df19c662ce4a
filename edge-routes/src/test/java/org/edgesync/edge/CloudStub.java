package org.edgesync.edge;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.edgesync.contract.BatchCodec;
import org.edgesync.contract.Change;
import org.edgesync.contract.ChangeBatch;

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

/**
 * A real HTTP server on a free port standing in for the cloud's ingest endpoint. Every request is
 * gunzipped and decoded with the contract's codec; the answer is chosen per batch by a function the
 * test sets.
 */
public final class CloudStub implements AutoCloseable {

    /** What the stub answers. */
    public record Answer(int status, String body) {
        public static Answer accepted(ChangeBatch batch) {
            return new Answer(200, "{\"accepted\":" + batch.changes().size() + ",\"duplicates\":0}");
        }
    }

    /** One request as the stub saw it. */
    public record Received(String path, Map<String, List<String>> headers, ChangeBatch batch, int status) {
    }

    private final BatchCodec codec = new BatchCodec();
    private final HttpServer server;
    private final List<Received> requests = new CopyOnWriteArrayList<>();
    private volatile Function<ChangeBatch, Answer> answer = Answer::accepted;

    public CloudStub() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
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
            byte[] body = in.readAllBytes();
            ChangeBatch batch;
            Answer reply;
            try {
                batch = codec.decodeGzip(body);
                reply = answer.apply(batch);
            } catch (RuntimeException e) {
                batch = null;
                reply = new Answer(400, "{\"error\":\"" + e.getMessage().replace("\"", "'") + "\"}");
            }
            requests.add(new Received(exchange.getRequestURI().getPath(), Map.copyOf(exchange.getRequestHeaders()), batch, reply.status()));
            byte[] out = reply.body().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(reply.status(), out.length);
            exchange.getResponseBody().write(out);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
