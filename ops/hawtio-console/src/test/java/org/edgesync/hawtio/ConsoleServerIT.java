package org.edgesync.hawtio;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code ops/hawtio} with the real Hawtio war, in front of two stand-in Jolokia endpoints that record the
 * Authorization header they get: only the configured one may receive the credentials.
 */
class ConsoleServerIT {

    private static final String USER = "ops-" + UUID.randomUUID().toString().substring(0, 8);
    private static final String PASSWORD = UUID.randomUUID().toString();
    private static final String VERSION = "{\"type\":\"version\"}";

    @TempDir
    static Path dir;
    private static StubJolokia configured;
    private static StubJolokia other;
    private static ConsoleProcess console;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        configured = new StubJolokia();
        other = new StubJolokia();
        // the cloud connection points at the same stand-in: the other one is named by no connection
        console = ConsoleProcess.start(PASSWORD, dir.resolve("console.log"), "--user", USER,
                "--edge", "http://127.0.0.1:" + configured.port() + "/jolokia/",
                "--cloud", "http://127.0.0.1:" + configured.port() + "/jolokia/");
    }

    @AfterAll
    static void stop() throws Exception {
        console.close();
        configured.close();
        other.close();
    }

    @BeforeEach
    void forget() {
        configured.authorizations.clear();
        other.authorizations.clear();
    }

    private HttpResponse<String> post(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + console.port() + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(VERSION)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void shouldSendTheCredentialsToTheConfiguredEndpointThroughHawtiosProxy() throws Exception {
        HttpResponse<String> response = post("/hawtio/proxy/http/127.0.0.1/" + configured.port() + "/jolokia/");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("\"agent\"");
        assertThat(configured.authorizations).containsExactly("Basic " + Base64.getEncoder()
                .encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void shouldNotSendTheCredentialsToAnEndpointItWasNotStartedWith() throws Exception {
        post("/hawtio/proxy/http/127.0.0.1/" + other.port() + "/jolokia/");

        assertThat(other.authorizations).containsOnly("none");
    }

    @Test
    void shouldRefuseAPageThatReachesItUnderAnotherHostName() throws Exception {
        String status = rawPost("/hawtio/proxy/http/127.0.0.1/" + configured.port() + "/jolokia/", "rebound.example");

        assertThat(status).startsWith("HTTP/1.1 403");
        assertThat(configured.authorizations).isEmpty();
    }

    @Test
    void shouldSayAtStartWhetherEachEndpointAnswers() throws Exception {
        assertThat(java.nio.file.Files.readString(dir.resolve("console.log")))
                .contains("edge     " + console.url() + "?open=edge   -> http://127.0.0.1:" + configured.port()
                        + "/jolokia/: answers");
    }

    @Test
    void shouldRefuseHawtiosOwnUnrestrictedJolokia() throws Exception {
        assertThat(post("/hawtio/jolokia/").statusCode()).isEqualTo(403);
    }

    @Test
    void shouldOfferEachConnectionOnTheFrontPage() throws Exception {
        HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + console.port() + "/"))
                .build(), HttpResponse.BodyHandlers.ofString());

        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("href=\"hawtio/?con=edge\"", "\"port\":" + configured.port())
                .doesNotContain(PASSWORD);
    }

    /** A request with a Host header the JDK's client will not send. */
    private String rawPost(String path, String host) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", console.port())) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST " + path + " HTTP/1.1\r\nHost: " + host + "\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + VERSION.length() + "\r\nConnection: close\r\n\r\n" + VERSION)
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            for (int b = in.read(); b != -1 && b != '\n'; b = in.read()) {
                line.write(b);
            }
            return line.toString(StandardCharsets.US_ASCII).trim();
        }
    }

    /** Answers like a Jolokia agent's version request and remembers the Authorization header of each request. */
    private static final class StubJolokia implements AutoCloseable {
        final ConcurrentLinkedQueue<String> authorizations = new ConcurrentLinkedQueue<>();
        private final HttpServer server;

        StubJolokia() throws IOException {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.createContext("/jolokia/", exchange -> {
                exchange.getRequestBody().readAllBytes();
                String authorization = exchange.getRequestHeaders().getFirst("Authorization");
                authorizations.add(authorization == null ? "none" : authorization);
                byte[] body = "{\"value\":{\"agent\":\"stub\"},\"status\":200}".getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
                exchange.close();
            });
            server.start();
        }

        int port() {
            return server.getAddress().getPort();
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }

}
