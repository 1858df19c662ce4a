package org.edgesync.artemis;

import jakarta.jms.BytesMessage;
import jakarta.jms.Connection;
import jakarta.jms.DeliveryMode;
import jakarta.jms.MessageConsumer;
import jakarta.jms.MessageProducer;
import jakarta.jms.Session;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class EdgeBrokerTest {

    @TempDir
    Path dataDir;

    @Test
    void shouldKeepAPersistentMessageAcrossABrokerRestartOnTheSameDataDir() throws Exception {
        try (EdgeBroker broker = new EdgeBroker(dataDir).start()) {
            send(broker, "batch 1..3");
            assertThat(broker.messageCount(EdgeBroker.BATCH_QUEUE)).isEqualTo(1);
        }
        assertThat(dataDir.resolve("journal")).isDirectoryContaining(p -> p.toString().endsWith(".amq"));

        try (EdgeBroker broker = new EdgeBroker(dataDir).start()) {
            assertThat(broker.messageCount(EdgeBroker.BATCH_QUEUE)).isEqualTo(1);
            assertThat(receive(broker)).isEqualTo("batch 1..3");
            assertThat(broker.messageCount(EdgeBroker.BATCH_QUEUE)).isZero();
        }
    }

    @Test
    void shouldPlaceAllStorageUnderTheGivenDataDir() throws Exception {
        try (EdgeBroker broker = new EdgeBroker(dataDir).start()) {
            send(broker, "x");
        }
        assertThat(dataDir.resolve("journal")).isDirectory();
        assertThat(dataDir.resolve("bindings")).isDirectory();
        assertThat(Path.of("data")).doesNotExist();
    }

    @Test
    void shouldRunTwoBrokersWithDifferentDataDirsAndIdsInOneJvm(@TempDir Path otherDir) throws Exception {
        try (EdgeBroker first = new EdgeBroker(dataDir, 11).start();
             EdgeBroker second = new EdgeBroker(otherDir, 12).start()) {
            send(first, "to first");
            assertThat(first.messageCount(EdgeBroker.BATCH_QUEUE)).isEqualTo(1);
            assertThat(second.messageCount(EdgeBroker.BATCH_QUEUE)).isZero();
            assertThat(Files.list(otherDir.resolve("journal")).count()).isPositive();
        }
    }

    @Test
    void shouldRunWithTheGivenRedeliveryCapInsteadOfTheOneInBrokerXml() throws Exception {
        try (EdgeBroker broker = new EdgeBroker(dataDir, 13).maxRedeliveryDelayMs(3_000).start()) {
            assertThat(broker.batchQueueSettings().getMaxRedeliveryDelay()).isEqualTo(3_000);
        }
        try (EdgeBroker broker = new EdgeBroker(dataDir, 13).start()) {
            assertThat(broker.batchQueueSettings().getMaxRedeliveryDelay()).as("broker.xml's value").isEqualTo(60_000);
        }
    }

    private static void send(EdgeBroker broker, String text) throws Exception {
        try (ActiveMQConnectionFactory cf = new ActiveMQConnectionFactory(broker.connectorUrl());
             Connection connection = cf.createConnection()) {
            Session session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
            MessageProducer producer = session.createProducer(session.createQueue(EdgeBroker.BATCH_QUEUE));
            producer.setDeliveryMode(DeliveryMode.PERSISTENT);
            BytesMessage message = session.createBytesMessage();
            message.writeBytes(text.getBytes(StandardCharsets.UTF_8));
            producer.send(message);
        }
    }

    private static String receive(EdgeBroker broker) throws Exception {
        try (ActiveMQConnectionFactory cf = new ActiveMQConnectionFactory(broker.connectorUrl());
             Connection connection = cf.createConnection()) {
            connection.start();
            Session session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
            MessageConsumer consumer = session.createConsumer(session.createQueue(EdgeBroker.BATCH_QUEUE));
            BytesMessage message = (BytesMessage) consumer.receive(10_000);
            assertThat(message).as("message after restart").isNotNull();
            return new String(message.getBody(byte[].class), StandardCharsets.UTF_8);
        }
    }
}
