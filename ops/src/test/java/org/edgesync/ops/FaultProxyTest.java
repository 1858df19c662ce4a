package org.edgesync.ops;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Each mode of the proxy against a tiny real HTTP server, with a raw socket client that never retries. */
class FaultProxyTest {

    private static final int BODY_BYTES = 64 * 1024;

    private HttpServer server;
    private final AtomicInteger completeRequests = new AtomicInteger();
    private final AtomicInteger partialRequests = new AtomicInteger();
    private FaultProxy proxy;

    @BeforeEach
    void startServerAndProxy() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.createContext("/", exchange -> {
            long expected = Long.parseLong(exchange.getRequestHeaders().getFirst("Content-Length"));
            byte[] body;
            try {
                body = exchange.getRequestBody().readAllBytes();
            } catch (IOException e) {
                partialRequests.incrementAndGet();
                exchange.close();
                return;
            }
            if (body.length != expected) {
                partialRequests.incrementAndGet();
                exchange.close();
                return;
            }
            completeRequests.incrementAndGet(); // the "commit"
            byte[] answer = ("ok:" + body.length).getBytes(StandardCharsets.US_ASCII);
            exchange.sendResponseHeaders(200, answer.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(answer);
            }
        });
        server.start();
        proxy = FaultProxy.start("127.0.0.1", server.getAddress().getPort());
    }

    @AfterEach
    void stop() {
        proxy.close();
        server.stop(0);
    }

    @Test
    void shouldForwardRequestAndResponseUntouchedInPassMode() throws IOException {
        assertThat(post(Duration.ofSeconds(5))).startsWith("HTTP/1.1 200").endsWith("ok:" + BODY_BYTES);
        assertThat(completeRequests).hasValue(1);
    }

    @Test
    void shouldDelayBothDirectionsInLatencyMode() throws IOException {
        proxy.mode(FaultProxy.Mode.latency(300));

        long start = System.nanoTime();
        String response = post(Duration.ofSeconds(5));

        assertThat(response).endsWith("ok:" + BODY_BYTES);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(600));
    }

    @Test
    void shouldResetTheClientConnectionInResetMode() throws IOException {
        proxy.mode(FaultProxy.Mode.reset(1.0));

        assertThatThrownBy(() -> post(Duration.ofSeconds(5))).isInstanceOf(SocketException.class);
        assertThat(completeRequests).hasValue(0);
        assertThat(proxy.resets()).isEqualTo(1);
    }

    @Test
    void shouldReadButNeverAnswerInBlackholeMode() throws IOException {
        proxy.mode(FaultProxy.Mode.blackhole());

        assertThatThrownBy(() -> post(Duration.ofMillis(700))).isInstanceOf(SocketTimeoutException.class);
        assertThat(completeRequests).hasValue(0);
        assertThat(partialRequests).hasValue(0);
    }

    @Test
    void shouldRefuseConnectionsInRefuseModeAndListenOnTheSamePortAfterwards() throws IOException {
        proxy.mode(FaultProxy.Mode.refuse());
        assertThatThrownBy(() -> post(Duration.ofSeconds(2))).isInstanceOf(ConnectException.class);

        proxy.mode(FaultProxy.Mode.pass());
        assertThat(post(Duration.ofSeconds(5))).endsWith("ok:" + BODY_BYTES);
    }

    @Test
    void shouldDeliverOnlyPartOfTheRequestInCutMidBodyMode() throws IOException {
        proxy.mode(FaultProxy.Mode.cutMidBody());

        assertThatThrownBy(() -> post(Duration.ofSeconds(5))).isInstanceOf(IOException.class);
        await("server saw the partial request").atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(partialRequests).hasValue(1));
        assertThat(completeRequests).hasValue(0);
        assertThat(proxy.cutRequests()).isEqualTo(1);
    }

    @Test
    void shouldLetTheServerCommitButNeverDeliverItsResponseInDropResponseMode() throws IOException {
        proxy.mode(FaultProxy.Mode.dropResponse());

        assertThatThrownBy(() -> post(Duration.ofSeconds(5))).isInstanceOf(IOException.class);
        assertThat(completeRequests).as("the server committed").hasValue(1);
        assertThat(proxy.droppedResponses()).isEqualTo(1);
    }

    @Test
    void shouldAlternateBetweenPassingAndRefusingInFlapMode() throws IOException {
        proxy.mode(FaultProxy.Mode.flap(300));
        AtomicInteger refused = new AtomicInteger();
        AtomicInteger answered = new AtomicInteger();

        await("both phases seen").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(() -> {
            try {
                post(Duration.ofSeconds(2));
                answered.incrementAndGet();
            } catch (ConnectException e) {
                refused.incrementAndGet();
            } catch (IOException e) {
                // a connection that was open when the link went down: also part of flapping
            }
            return refused.get() > 0 && answered.get() > 0;
        });
    }

    @Test
    void shouldSendEachNewConnectionToTheNextTargetWhenBalancing() throws IOException {
        AtomicInteger secondServerRequests = new AtomicInteger();
        HttpServer second = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        second.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            secondServerRequests.incrementAndGet();
            byte[] answer = "second".getBytes(StandardCharsets.US_ASCII);
            exchange.sendResponseHeaders(200, answer.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(answer);
            }
        });
        second.start();
        proxy.close();
        proxy = FaultProxy.start("127.0.0.1", server.getAddress().getPort(), second.getAddress().getPort());
        try {
            for (int i = 0; i < 4; i++) {
                post(Duration.ofSeconds(5));
            }
        } finally {
            second.stop(0);
        }

        assertThat(completeRequests).hasValue(2);
        assertThat(secondServerRequests).hasValue(2);
    }

    /** A POST with a body, no retries, no keep-alive: the whole response text, or the exception the link caused. */
    private String post(Duration timeout) throws IOException {
        byte[] body = new byte[BODY_BYTES];
        Arrays.fill(body, (byte) 'x');
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), proxy.port()), 2000);
            socket.setSoTimeout((int) timeout.toMillis());
            OutputStream out = socket.getOutputStream();
            out.write(("POST /batches HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: "
                    + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream response = new ByteArrayOutputStream();
            in.transferTo(response);
            String text = response.toString(StandardCharsets.US_ASCII);
            if (text.isEmpty()) {
                throw new SocketException("connection closed without a response");
            }
            return text;
        }
    }
}
