package org.edgesync.edge;

import org.apache.camel.builder.NotifyBuilder;
import org.edgesync.artemis.EdgeBroker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The edge talks HTTPS to the cloud and trusts only the CA of edgesync.cloud.truststore.file: a server
 * whose certificate comes from another CA, or names another host, is refused (the batch stays in the
 * broker and is redelivered, never dead-lettered); the right server then gets it.
 */
class CloudTlsIT {

    @TempDir
    static Path pkiDir;
    private static TestPki cloudCa;
    private static TestPki otherCa;
    private static TestPki wrongHost;

    @TempDir
    Path dir;
    private CloudStub cloud;
    private EdgeRuntime edge;

    @BeforeAll
    static void pki() throws Exception {
        cloudCa = TestPki.create(pkiDir.resolve("cloud"), "EdgeSync test cloud CA", "dns:localhost", "ip:127.0.0.1");
        otherCa = TestPki.create(pkiDir.resolve("other"), "Some other CA", "dns:localhost", "ip:127.0.0.1");
        wrongHost = TestPki.create(pkiDir.resolve("wrong-host"), "EdgeSync test cloud CA 2", "dns:cloud.example.com");
    }

    @AfterEach
    void tearDown() throws Exception {
        if (edge != null) {
            edge.close();
        }
        if (cloud != null) {
            cloud.close();
        }
    }

    private EdgeRuntime startEdge(String url, TestPki trusted) throws Exception {
        Path shop = ShopDatabase.create(dir.resolve("shop.db"));
        Map<String, String> props = new HashMap<>();
        props.put("edgesync.sqlite.path", shop.toString());
        props.put("edgesync.broker.data.dir", dir.resolve("broker").toString());
        props.put("edgesync.cloud.url", url);
        props.put("edgesync.device.key", TestKeys.encoded("store-001-pos-1"));
        props.put("edgesync.cloud.truststore.file", trusted.truststore().toString());
        props.put("edgesync.cloud.truststore.password", trusted.password());
        props.put("edgesync.poll.interval.ms", "100");
        props.put("camel.main.jmx-enabled", "false");
        edge = EdgeRuntime.start(props);
        return edge;
    }

    @Test
    void shouldDeliverOverHttpsToACloudWhoseCertificateChainsToTheConfiguredCa() throws Exception {
        cloud = new CloudStub(cloudCa.serverContext(), 0);
        startEdge(cloud.url("localhost"), cloudCa);

        ShopDatabase.execute(dir.resolve("shop.db"), "INSERT INTO products VALUES ('A-1', 'Brot', 299, 'now')");

        await("batch delivered over TLS").atMost(Timeouts.seconds(30)).until(() -> cloud.acceptedSeqs().size() == 1);
        assertThat(cloud.requests()).allMatch(CloudStub.Received::signed);
    }

    @Test
    void shouldRefuseACertificateFromAnotherCaAndRedeliverUntilTheRealCloudAnswers() throws Exception {
        cloud = new CloudStub(otherCa.serverContext(), 0);
        int port = cloud.port();
        EdgeRuntime runtime = startEdge(cloud.url("localhost"), cloudCa);
        NotifyBuilder refused = new NotifyBuilder(runtime.context()).fromRoute("forward-batches").whenFailed(2).create();

        ShopDatabase.execute(dir.resolve("shop.db"), "INSERT INTO products VALUES ('A-1', 'Brot', 299, 'now')");

        assertThat(refused.matches(Timeouts.seconds(30).toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS))
                .as("two attempts refused at the TLS handshake").isTrue();
        assertThat(cloud.requests()).as("no request reached the impostor").isEmpty();
        assertThat(messageCount(EdgeBroker.DEAD_LETTER_QUEUE)).isZero();

        cloud.close();
        cloud = new CloudStub(cloudCa.serverContext(), port);

        await("batch delivered to the real cloud").atMost(Timeouts.seconds(60)).until(() -> cloud.acceptedSeqs().size() == 1);
        assertThat(messageCount(EdgeBroker.DEAD_LETTER_QUEUE)).isZero();
    }

    @Test
    void shouldRefuseACertificateOfTheRightCaForAnotherHost() throws Exception {
        cloud = new CloudStub(wrongHost.serverContext(), 0);
        EdgeRuntime runtime = startEdge(cloud.url("localhost"), wrongHost);
        NotifyBuilder refused = new NotifyBuilder(runtime.context()).fromRoute("forward-batches").whenFailed(2).create();

        ShopDatabase.execute(dir.resolve("shop.db"), "INSERT INTO products VALUES ('A-1', 'Brot', 299, 'now')");

        assertThat(refused.matches(Timeouts.seconds(30).toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS))
                .as("host name verification refuses cloud.example.com's certificate for localhost").isTrue();
        assertThat(cloud.requests()).isEmpty();
    }

    private long messageCount(String queue) throws Exception {
        try (var cf = new org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory("vm://0");
             var connection = cf.createConnection()) {
            connection.start();
            var session = connection.createSession(false, jakarta.jms.Session.AUTO_ACKNOWLEDGE);
            try (var browser = session.createBrowser(session.createQueue(queue))) {
                return java.util.Collections.list(browser.getEnumeration()).size();
            }
        }
    }
}
