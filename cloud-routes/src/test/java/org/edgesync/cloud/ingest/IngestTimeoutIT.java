package org.edgesync.cloud.ingest;

import org.edgesync.cloud.testing.CloudNode;
import org.edgesync.cloud.testing.TestDatabase;
import org.edgesync.cloud.testing.TestPostgres;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.edgesync.cloud.testing.Fixtures.count;
import static org.edgesync.cloud.testing.Fixtures.enrol;

/**
 * A client that sends its headers and then trickles or stalls its body (a slow-loris, or a shop uplink that died
 * mid-request) must not hold a request open for ever: the node answers 408 once the request timeout passes, and
 * writes nothing.
 */
class IngestTimeoutIT {

    private TestDatabase db;
    private CloudNode node;

    @BeforeEach
    void startNode() {
        db = TestPostgres.newDatabase();
        node = CloudNode.start(db, Map.of("edgesync.ingest.request.timeout.ms", "1500",
                "edgesync.load.cron", "0 0 0 1 1 ? 2099"));
    }

    @AfterEach
    void stopNode() throws Exception {
        try {
            if (node != null) {
                node.close();
            }
        } finally {
            db.close();
        }
    }

    @Test
    void shouldAnswer408WhenTheBodyStallsPastTheRequestTimeout() throws Exception {
        enrol(db.dataSource(), "pos-slow", "store-1");
        URI uri = node.ingestUri("pos-slow");
        try (Socket socket = new Socket(uri.getHost(), uri.getPort())) {
            socket.setSoTimeout(15_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST " + uri.getRawPath() + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                    + "Content-Encoding: gzip\r\nContent-Length: 4096\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(new byte[] {0x1f, (byte) 0x8b});
            out.flush();
            long sent = System.nanoTime();

            String statusLine = readStatusLine(socket.getInputStream());
            long waitedMs = (System.nanoTime() - sent) / 1_000_000;

            assertThat(statusLine).startsWith("HTTP/1.1 408");
            assertThat(waitedMs).as("answered after the timeout, not before").isGreaterThanOrEqualTo(1_000);
        }
        assertThat(count(db.dataSource(), "SELECT count(*) FROM edgesync.staged_change")).isZero();
    }

    private static String readStatusLine(InputStream in) throws Exception {
        StringBuilder line = new StringBuilder();
        for (int b; (b = in.read()) >= 0 && b != '\n'; ) {
            line.append((char) b);
        }
        return line.toString().trim();
    }
}
