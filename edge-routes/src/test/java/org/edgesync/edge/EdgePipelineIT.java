package org.edgesync.edge;

import jakarta.jms.BytesMessage;
import jakarta.jms.Connection;
import jakarta.jms.Message;
import jakarta.jms.QueueBrowser;
import jakarta.jms.Session;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.edgesync.contract.BatchCodec;
import org.edgesync.contract.Change;
import org.edgesync.contract.ChangeBatch;
import org.edgesync.contract.Operation;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The edge end to end: a real SQLite file, the real embedded broker with edgesync-broker.xml and its
 * journal in a temp dir, the real YAML routes, and a real HTTP server standing in for the cloud.
 * Redelivery runs with the shipped delays (1 s, 2 s, 4 s ...), so waits are generous.
 */
class EdgePipelineIT {

    @TempDir
    Path dir;
    private Path shop;
    private CloudStub cloud;
    private final List<EdgeRuntime> runtimes = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        shop = ShopDatabase.create(dir.resolve("shop.db"));
        cloud = new CloudStub();
    }

    @AfterEach
    void tearDown() throws Exception {
        for (EdgeRuntime runtime : runtimes) {
            runtime.close();
        }
        cloud.close();
    }

    private EdgeRuntime startEdge() throws Exception {
        Map<String, String> props = new HashMap<>();
        props.put("edgesync.sqlite.path", shop.toString());
        props.put("edgesync.broker.data.dir", dir.resolve("broker").toString());
        props.put("edgesync.cloud.url", cloud.url());
        props.put("edgesync.device.id", "store-042-pos-1");
        props.put("edgesync.device.key", TestKeys.encoded("store-042-pos-1"));
        props.put("edgesync.poll.batch.size", "5");
        props.put("edgesync.poll.interval.ms", "100");
        EdgeRuntime runtime = EdgeRuntime.start(props);
        runtimes.add(runtime);
        return runtime;
    }

    private void sell(int firstSale, int sales) throws Exception {
        try (java.sql.Connection c = ShopDatabase.open(shop)) {
            c.setAutoCommit(false);
            try (PreparedStatement sale = c.prepareStatement("INSERT INTO sales VALUES (?, ?, 299, 1700000000000, 'ana', NULL)");
                 PreparedStatement line = c.prepareStatement("INSERT INTO sale_lines VALUES (?, 1, 'A-1', 1, 299)")) {
                for (int id = firstSale; id < firstSale + sales; id++) {
                    sale.setInt(1, id);
                    sale.setString(2, "R-" + id);
                    sale.executeUpdate();
                    line.setInt(1, id);
                    line.executeUpdate();
                }
            }
            c.commit();
        }
    }

    private static List<Long> oneTo(long n) {
        return LongStream.rangeClosed(1, n).boxed().toList();
    }

    @Test
    void shouldDeliverEveryCapturedChangeExactlyOnceAsGzippedContractBatches() throws Exception {
        startEdge();
        ShopDatabase.execute(shop, "INSERT INTO products VALUES ('A-1', 'Brot', 299, 'now')",
                "UPDATE products SET price_cents = 349 WHERE sku = 'A-1'");
        sell(1, 6);
        ShopDatabase.execute(shop, "DELETE FROM sale_lines WHERE sale_id = 1");
        long changes = 2 + 12 + 1;

        await("all changes at the cloud").atMost(Timeouts.seconds(30))
                .until(() -> cloud.acceptedSeqs().size() >= changes);

        assertThat(cloud.acceptedSeqs()).containsExactlyInAnyOrderElementsOf(oneTo(changes));
        assertThat(cloud.requests()).allSatisfy(r -> {
            assertThat(r.path()).isEqualTo("/api/v1/devices/store-042-pos-1/batches");
            assertThat(r.signed()).as("signature verifies with the device's key").isTrue();
            assertThat(r.header("Authorization")).startsWith("EDGESYNC-HMAC-SHA256 Credential=store-042-pos-1/1, Signature=");
            assertThat(r.headers().get("Content-encoding")).containsExactly("gzip");
            assertThat(r.headers().get("Content-type").get(0)).startsWith("application/json");
            assertThat(r.headers().keySet()).noneMatch(h -> h.toLowerCase().startsWith("jms") || h.toLowerCase().startsWith("camel")
                    || h.toLowerCase().startsWith("edgesync"));
            assertThat(r.batch().deviceId()).isEqualTo("store-042-pos-1");
            assertThat(r.batch().changes()).hasSizeLessThanOrEqualTo(5);
        });
        await("change table emptied").atMost(Timeouts.seconds(10)).until(() -> ShopDatabase.changeCount(shop) == 0);
        assertThat(ShopDatabase.highestSeq(shop)).isEqualTo(changes);
    }

    @Test
    void shouldDeliverEverythingAfterACloudOutageThroughBrokerRedelivery() throws Exception {
        AtomicInteger outageAnswers = new AtomicInteger(4);
        cloud.answer(batch -> outageAnswers.getAndDecrement() > 0
                ? new CloudStub.Answer(503, "{\"error\":\"database unavailable\"}")
                : CloudStub.Answer.accepted(batch));
        startEdge();

        sell(1, 10);

        await("all changes at the cloud after the outage").atMost(Timeouts.seconds(90))
                .until(() -> cloud.acceptedSeqs().size() >= 20);
        assertThat(cloud.acceptedSeqs()).containsExactlyInAnyOrderElementsOf(oneTo(20));
        assertThat(cloud.requests()).filteredOn(r -> r.status() == 503).hasSize(4);
        assertThat(cloud.requests()).as("every attempt, resends included, signed anew").allMatch(CloudStub.Received::signed)
                .extracting(r -> r.header("X-EdgeSync-Nonce")).doesNotHaveDuplicates();
        assertThat(ShopDatabase.changeCount(shop)).isZero();
    }

    @Test
    void shouldDeadLetterARejectedBatchAndStillDeliverTheBatchesBehindIt() throws Exception {
        cloud.answer(batch -> batch.firstSeq() == 1
                ? new CloudStub.Answer(422, "{\"error\":\"changes[0].row.total_cents must be a scalar\"}")
                : CloudStub.Answer.accepted(batch));
        startEdge();

        sell(1, 6); // 12 changes: batches 1-5 (rejected), 6-10, 11-12

        await("later batches delivered").atMost(Timeouts.seconds(30)).until(() -> cloud.acceptedSeqs().size() >= 7);
        assertThat(cloud.acceptedSeqs()).containsExactlyInAnyOrderElementsOf(LongStream.rangeClosed(6, 12).boxed().toList());

        List<Message> dead = browse("edgesync.batches.dlq");
        assertThat(dead).hasSize(1);
        assertThat(dead.get(0).getStringProperty("EdgeSyncRejectReason"))
                .isEqualTo("422 {\"error\":\"changes[0].row.total_cents must be a scalar\"}");
        ChangeBatch rejected = new BatchCodec().decodeGzip(dead.get(0).getBody(byte[].class));
        assertThat(rejected.firstSeq()).isEqualTo(1);
        assertThat(rejected.lastSeq()).isEqualTo(5);
        assertThat(browse("edgesync.batches")).isEmpty();
        assertThat(cloud.requests()).filteredOn(r -> r.status() == 422).hasSize(1);
    }

    @Test
    void shouldDeliverAJournaledBatchAfterTheEdgeRestartsOnTheSameDataDir() throws Exception {
        cloud.answer(batch -> new CloudStub.Answer(503, "{\"error\":\"down\"}"));
        EdgeRuntime first = startEdge();
        sell(1, 2);
        await("batch published and tried").atMost(Timeouts.seconds(30))
                .until(() -> ShopDatabase.changeCount(shop) == 0 && !cloud.requests().isEmpty());
        first.close();
        runtimes.remove(first);
        assertThat(cloud.acceptedSeqs()).isEmpty();

        cloud.answer(CloudStub.Answer::accepted);
        startEdge();

        await("journaled batch delivered after restart").atMost(Timeouts.seconds(90))
                .until(() -> cloud.acceptedSeqs().size() >= 4);
        assertThat(cloud.acceptedSeqs()).containsExactlyInAnyOrderElementsOf(oneTo(4));
    }

    @Test
    void shouldKeepTwoBatchesInFlightWhileTheCloudTakesItsTime() throws Exception {
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger mostInFlight = new AtomicInteger();
        CountDownLatch second = new CountDownLatch(2);
        cloud.answer(batch -> {
            mostInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            second.countDown();
            try {
                // The first request waits (bounded) for a second one to arrive alongside it.
                second.await(Timeouts.seconds(10).toMillis(), TimeUnit.MILLISECONDS);
                return CloudStub.Answer.accepted(batch);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new CloudStub.Answer(503, "{}");
            } finally {
                inFlight.decrementAndGet();
            }
        });
        startEdge();

        sell(1, 10); // 20 changes, four batches of 5

        await("all changes at the cloud").atMost(Timeouts.seconds(60)).until(() -> cloud.acceptedSeqs().size() >= 20);
        assertThat(mostInFlight.get()).as("batches in flight at once").isEqualTo(2);
        assertThat(cloud.acceptedSeqs()).containsExactlyInAnyOrderElementsOf(oneTo(20));
    }

    @Test
    void shouldDeliverABatchJournaledAsPlainJsonByAnEarlierVersion() throws Exception {
        startEdge();
        ChangeBatch batch = ChangeBatch.of("store-042-pos-1", List.of(new Change(1, "products", Operation.INSERT,
                json("{\"sku\":\"A-1\"}"), json("{\"sku\":\"A-1\",\"name\":\"Brot\",\"price_cents\":299,\"updated_at\":\"now\"}"),
                1_700_000_000_000L)));

        try (ActiveMQConnectionFactory cf = new ActiveMQConnectionFactory("vm://0");
             Connection connection = cf.createConnection()) {
            Session session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
            BytesMessage message = session.createBytesMessage();
            message.writeBytes(new BatchCodec().encode(batch));
            message.setLongProperty("EdgeSyncFirstSeq", 1);
            message.setLongProperty("EdgeSyncLastSeq", 1);
            message.setIntProperty("EdgeSyncChangeCount", 1);
            session.createProducer(session.createQueue("edgesync.batches")).send(message);
        }

        await("old batch at the cloud").atMost(Timeouts.seconds(30)).until(() -> cloud.acceptedSeqs().contains(1L));
        assertThat(cloud.requests()).allSatisfy(r -> assertThat(r.signed()).isTrue());
    }

    private static com.fasterxml.jackson.databind.node.ObjectNode json(String text) throws Exception {
        return (com.fasterxml.jackson.databind.node.ObjectNode) new BatchCodec().mapper().readTree(text);
    }

    private static List<Message> browse(String queue) throws Exception {
        try (ActiveMQConnectionFactory cf = new ActiveMQConnectionFactory("vm://0");
             Connection connection = cf.createConnection()) {
            connection.start();
            Session session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
            try (QueueBrowser browser = session.createBrowser(session.createQueue(queue))) {
                Enumeration<?> messages = browser.getEnumeration();
                List<Message> list = new ArrayList<>();
                Collections.list(messages).forEach(m -> list.add((Message) m));
                return list;
            }
        }
    }
}
