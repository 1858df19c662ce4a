package org.edgesync.artemis;

import jakarta.jms.BytesMessage;
import jakarta.jms.Connection;
import jakarta.jms.DeliveryMode;
import jakarta.jms.JMSException;
import jakarta.jms.MessageConsumer;
import jakarta.jms.MessageProducer;
import jakarta.jms.Session;
import org.apache.activemq.artemis.core.config.Configuration;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * What the real broker does at its limits: a full batch queue or a full disk must refuse a
 * synchronous persistent send at once (so the poll route keeps the rows and tries later), never
 * block the sender and never drop the message.
 */
class EdgeBrokerLimitsTest {

    private static final byte[] BATCH = new byte[8 * 1024];

    /**
     * The broker refuses a send (AMQ229102), or, when it has already answered a credit request with
     * "fail" (disk full), the client refuses it before sending (AMQ219058). Both say the address is full.
     */
    private static final String[] ADDRESS_FULL_CODES = {"AMQ229102", "AMQ219058"};

    @TempDir
    Path dataDir;

    @Test
    void shouldRefuseASendQuicklyOnceTheQueuedBytesLimitIsReachedAndAcceptAgainWhenDrained() throws Exception {
        try (EdgeBroker broker = new EdgeBroker(dataDir, 21).maxQueuedBytes(EdgeBroker.MIN_MAX_QUEUED_BYTES).start();
             ActiveMQConnectionFactory cf = new ActiveMQConnectionFactory(broker.connectorUrl());
             Connection connection = cf.createConnection()) {
            Session session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
            MessageProducer producer = producer(session);

            int accepted = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> sendUntilRefused(session, producer));

            assertThat(accepted).as("batches taken before the limit").isBetween(8, 64);
            assertThat(broker.messageCount(EdgeBroker.BATCH_QUEUE)).as("nothing dropped").isEqualTo(accepted);
            JMSException refused = catchThrowableOfType(JMSException.class, () -> producer.send(batch(session)));
            assertThat(refused).as("still full").isNotNull();
            assertThat(refused.getMessage()).containsAnyOf(ADDRESS_FULL_CODES).contains(EdgeBroker.BATCH_QUEUE);

            connection.start();
            MessageConsumer consumer = session.createConsumer(session.createQueue(EdgeBroker.BATCH_QUEUE));
            for (int i = 0; i < accepted; i++) {
                assertThat(consumer.receive(10_000)).as("batch %d of %d", i + 1, accepted).isNotNull();
            }
            await("send accepted again once drained").atMost(Duration.ofSeconds(30)).ignoreExceptions()
                    .untilAsserted(() -> producer.send(batch(session)));
        }
    }

    @Test
    void shouldRefuseASendQuicklyWhenTheDiskIsAboveMaxDiskUsage() throws Exception {
        long total = Files.getFileStore(dataDir).getTotalSpace();
        long usable = Files.getFileStore(dataDir).getUsableSpace();
        assumeThat(100.0 * (total - usable) / total).as("disk used %").isGreaterThan(2.0);
        Configuration config = EdgeBroker.loadConfiguration(dataDir, 22);
        config.setMaxDiskUsage(1);
        config.setDiskScanPeriod(100);
        EmbeddedActiveMQ embedded = new EmbeddedActiveMQ().setConfiguration(config);
        embedded.start();
        try (ActiveMQConnectionFactory cf = new ActiveMQConnectionFactory("vm://22");
             Connection connection = cf.createConnection()) {
            Session session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
            MessageProducer producer = producer(session);
            await("disk full seen").atMost(Duration.ofSeconds(10)).until(() -> embedded.getActiveMQServer().getPagingManager().isDiskFull());

            JMSException refused = assertTimeoutPreemptively(Duration.ofSeconds(30),
                    () -> catchThrowableOfType(JMSException.class, () -> producer.send(batch(session))));

            assertThat(refused).as("send refused, not blocked").isNotNull();
            assertThat(refused.getMessage()).containsAnyOf(ADDRESS_FULL_CODES);
            assertThat(embedded.getActiveMQServer().locateQueue(EdgeBroker.BATCH_QUEUE).getMessageCount()).isZero();
        } finally {
            embedded.stop();
        }
    }

    private static int sendUntilRefused(Session session, MessageProducer producer) throws JMSException {
        for (int sent = 0; sent < 10_000; sent++) {
            try {
                producer.send(batch(session));
            } catch (JMSException e) {
                return sent;
            }
        }
        throw new AssertionError("10000 batches accepted: the limit did not apply");
    }

    private static MessageProducer producer(Session session) throws JMSException {
        MessageProducer producer = session.createProducer(session.createQueue(EdgeBroker.BATCH_QUEUE));
        producer.setDeliveryMode(DeliveryMode.PERSISTENT);
        return producer;
    }

    private static BytesMessage batch(Session session) throws JMSException {
        BytesMessage message = session.createBytesMessage();
        message.writeBytes(BATCH);
        return message;
    }
}
