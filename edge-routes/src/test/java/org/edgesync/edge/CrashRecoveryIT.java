package org.edgesync.edge;

import jakarta.jms.Connection;
import jakarta.jms.Message;
import jakarta.jms.QueueBrowser;
import jakarta.jms.Session;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.edgesync.artemis.EdgeBroker;
import org.edgesync.contract.BatchCodec;
import org.edgesync.contract.ChangeBatch;
import org.edgesync.edge.fault.CrashPoints;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Each crash point, for real: the edge runs as its own JVM from the runnable jar with the point
 * armed, halts there (exit 137, like kill -9), the shop writes on while it is down, and a restart on
 * the same SQLite file and broker journal, unarmed, delivers every seq. Duplicates across the crash
 * are expected (at-least-once; the cloud is idempotent per seq), a missing seq is a failure. Between
 * the two runs the test opens the journal itself to check the state the point promises.
 */
class CrashRecoveryIT {

    private static final int FIRST_SALES = 10;   // 20 changes before the crash, batches of 5
    private static final int LATER_SALES = 5;    // 10 more while the edge is down
    private static final long CHANGES = 2L * (FIRST_SALES + LATER_SALES);

    @TempDir
    Path dir;
    private Path shop;
    private CloudStub cloud;
    private final List<EdgeProcess> processes = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        shop = ShopDatabase.create(dir.resolve("shop.db"));
        ShopDatabase.installCapture(shop);
        cloud = new CloudStub();
    }

    @AfterEach
    void tearDown() throws Exception {
        for (EdgeProcess process : processes) {
            process.close();
        }
        cloud.close();
    }

    @Test
    void shouldLoseNothingWhenHaltedAfterReadingABatch() throws Exception {
        cloud.answer(batch -> new CloudStub.Answer(503, "{\"error\":\"down\"}"));

        halt("after-read", "after-read");

        assertThat(cloud.requests()).as("nothing was published, so nothing was sent").isEmpty();
        assertThat(ShopDatabase.changeCount(shop)).as("every change still in the change table").isEqualTo(2L * FIRST_SALES);
        assertThat(queuedFirstSeqs()).isEmpty();
        recoverAndDeliverAll();
    }

    @Test
    void shouldResendTheBatchThatWasJournaledButNotYetDeleted() throws Exception {
        cloud.answer(batch -> new CloudStub.Answer(503, "{\"error\":\"down\"}"));

        halt("after-publish:2", "after-publish");

        assertThat(queuedFirstSeqs()).as("batches 1-5 and 6-10 journaled").containsExactly(1L, 6L);
        assertThat(ShopDatabase.query(shop, "SELECT min(seq) AS s FROM _edgesync_changes").get(0).get("s"))
                .as("rows of the 2nd batch not deleted").isEqualTo(6);
        List<Long> delivered = recoverAndDeliverAll();
        assertThat(Collections.frequency(delivered, 6L)).as("seq 6 sent from the journal and again from the table").isEqualTo(2);
    }

    @Test
    void shouldNotRedeliverABatchWhoseCommitWasOnDiskWhenTheJvmHalted() throws Exception {
        // One batch in flight: with two, the last batch the cloud accepted need not be the one whose commit halted.
        halt("during-jms-commit", "during-jms-commit", Map.of("edgesync.forward.batches.in.flight", "1"));

        ChangeBatch inCommit = lastAcceptedBatch();
        assertThat(queuedFirstSeqs()).as("the acknowledged batch is gone from the journal").doesNotContain(inCommit.firstSeq());
        recoverAndDeliverAll();
    }

    @Test
    void shouldRedeliverABatchTheCloudAcceptedBeforeTheJmsCommit() throws Exception {
        halt("after-cloud-ack:2", "after-cloud-ack");

        ChangeBatch acked = lastAcceptedBatch();
        assertThat(queuedFirstSeqs()).as("the batch is still in the journal").contains(acked.firstSeq());
        List<Long> delivered = recoverAndDeliverAll();
        assertThat(Collections.frequency(delivered, acked.firstSeq())).as("the 2xx-acked batch is sent again").isGreaterThanOrEqualTo(2);
    }

    /** Shop writes, edge starts with the point armed and must halt there. */
    private void halt(String spec, String point) throws Exception {
        halt(spec, point, Map.of());
    }

    private void halt(String spec, String point, Map<String, String> settings) throws Exception {
        sell(1, FIRST_SALES);
        Map<String, String> props = edgeProperties();
        props.putAll(settings);
        props.put(CrashPoints.SYSTEM_PROPERTY, spec);
        EdgeProcess armed = EdgeProcess.start(dir, "armed", props);
        processes.add(armed);

        int status = armed.awaitExit(Timeouts.seconds(90));

        assertThat(status).as("exit status; stderr in %s", armed.stderrFile()).isEqualTo(CrashPoints.HALT_STATUS);
        assertThat(armed.stderrLines()).filteredOn(l -> l.contains("EDGESYNC-FAULT"))
                .containsExactly(CrashPoints.HALT_LINE_PREFIX + point);
        assertThat(armed.stderrLines()).anyMatch(l -> l.contains("WARN") && l.contains("Fault injection armed"));
    }

    /** The shop writes on while the edge is down; the edge restarts unarmed; every seq arrives. */
    private List<Long> recoverAndDeliverAll() throws Exception {
        sell(FIRST_SALES + 1, LATER_SALES);
        cloud.answer(CloudStub.Answer::accepted);
        EdgeProcess restarted = EdgeProcess.start(dir, "restarted", edgeProperties());
        processes.add(restarted);

        await("every seq at the cloud after the restart").atMost(Timeouts.seconds(120))
                .until(() -> new TreeSet<>(cloud.acceptedSeqs()).size() == CHANGES);
        await("change table drained").atMost(Timeouts.seconds(30)).until(() -> ShopDatabase.changeCount(shop) == 0);

        List<Long> delivered = cloud.acceptedSeqs();
        assertThat(new TreeSet<>(delivered)).containsExactlyElementsOf(LongStream.rangeClosed(1, CHANGES).boxed().toList());
        Map<Long, Long> counts = delivered.stream().collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
        System.out.printf("%d seqs delivered, %d duplicates across the crash%n", CHANGES, delivered.size() - CHANGES);
        assertThat(counts.values()).allSatisfy(n -> assertThat(n).isBetween(1L, 3L));
        assertThat(restarted.isAlive()).isTrue();
        return delivered;
    }

    private ChangeBatch lastAcceptedBatch() {
        List<CloudStub.Received> accepted = cloud.requests().stream().filter(r -> r.status() / 100 == 2).toList();
        assertThat(accepted).as("the cloud accepted a batch before the halt").isNotEmpty();
        return accepted.get(accepted.size() - 1).batch();
    }

    /** First seq of each batch in the halted edge's journal, read by opening the journal in this JVM. */
    private List<Long> queuedFirstSeqs() throws Exception {
        List<Long> firstSeqs = new ArrayList<>();
        try (EdgeBroker broker = new EdgeBroker(dir.resolve("broker"), 71).start();
             ActiveMQConnectionFactory cf = new ActiveMQConnectionFactory(broker.connectorUrl());
             Connection connection = cf.createConnection()) {
            connection.start();
            Session session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
            // A batch rolled back before the halt waits out its redelivery delay (scheduled, not browsable).
            await("every journaled batch browsable").atMost(Timeouts.seconds(70)).until(() -> {
                firstSeqs.clear();
                try (QueueBrowser browser = session.createBrowser(session.createQueue(EdgeBroker.BATCH_QUEUE))) {
                    for (Object m : Collections.list(browser.getEnumeration())) {
                        firstSeqs.add(new BatchCodec().decodeGzip(((Message) m).getBody(byte[].class)).firstSeq());
                    }
                }
                return firstSeqs.size() == broker.messageCount(EdgeBroker.BATCH_QUEUE);
            });
        }
        Collections.sort(firstSeqs);
        return firstSeqs;
    }

    private Map<String, String> edgeProperties() {
        Map<String, String> props = new HashMap<>();
        props.put("edgesync.sqlite.path", shop.toString());
        props.put("edgesync.broker.data.dir", dir.resolve("broker").toString());
        props.put("edgesync.cloud.url", cloud.url());
        props.put("edgesync.device.id", "store-042-pos-1");
        props.put("edgesync.device.key", TestKeys.encoded("store-042-pos-1"));
        props.put("edgesync.poll.batch.size", "5");
        props.put("edgesync.poll.interval.ms", "100");
        return props;
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
}
