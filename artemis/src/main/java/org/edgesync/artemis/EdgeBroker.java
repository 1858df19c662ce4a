package org.edgesync.artemis;

import org.apache.activemq.artemis.api.core.TransportConfiguration;
import org.apache.activemq.artemis.core.config.Configuration;
import org.apache.activemq.artemis.core.config.FileDeploymentManager;
import org.apache.activemq.artemis.core.config.impl.FileConfiguration;
import org.apache.activemq.artemis.core.remoting.impl.invm.InVMAcceptorFactory;
import org.apache.activemq.artemis.core.remoting.impl.invm.TransportConstants;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * The embedded Artemis broker of the edge: the real {@value #BROKER_XML} with its journal, bindings,
 * paging and large-message directories placed under one data directory. The directories are set on
 * the configuration object after the XML is read (not through system properties), so two brokers
 * with different data directories and in-VM ids can run in one JVM, as tests need.
 */
public final class EdgeBroker implements AutoCloseable {

    /** Classpath resource of the broker configuration. */
    public static final String BROKER_XML = "edgesync-broker.xml";

    /** Queue the poll route publishes batches to and the forward route consumes from. */
    public static final String BATCH_QUEUE = "edgesync.batches";

    /** Queue of batches the cloud refused as invalid (HTTP 400/422). */
    public static final String DEAD_LETTER_QUEUE = "edgesync.batches.dlq";

    private final Path dataDir;
    private final int inVmId;
    private EmbeddedActiveMQ embedded;

    /** A broker reachable at {@code vm://0}. */
    public EdgeBroker(Path dataDir) {
        this(dataDir, 0);
    }

    /** A broker reachable at {@code vm://<inVmId>}; distinct ids let several brokers share a JVM. */
    public EdgeBroker(Path dataDir, int inVmId) {
        this.dataDir = Objects.requireNonNull(dataDir, "dataDir").toAbsolutePath();
        this.inVmId = inVmId;
    }

    /**
     * Reads {@value #BROKER_XML} and points its storage at {@code dataDir}; nothing is started.
     * Exposed so tests can check the durability settings the product really ships with.
     */
    public static Configuration loadConfiguration(Path dataDir, int inVmId) throws Exception {
        FileConfiguration configuration = new FileConfiguration();
        FileDeploymentManager deploymentManager = new FileDeploymentManager(BROKER_XML);
        deploymentManager.addDeployable(configuration);
        deploymentManager.readConfiguration();

        configuration.setJournalDirectory(dataDir.resolve("journal").toString());
        configuration.setBindingsDirectory(dataDir.resolve("bindings").toString());
        configuration.setPagingDirectory(dataDir.resolve("paging").toString());
        configuration.setLargeMessagesDirectory(dataDir.resolve("large-messages").toString());
        configuration.setNodeManagerLockDirectory(dataDir.resolve("journal").toString());
        if (inVmId != 0) {
            configuration.clearAcceptorConfigurations();
            configuration.addAcceptorConfiguration(new TransportConfiguration(InVMAcceptorFactory.class.getName(),
                    Map.of(TransportConstants.SERVER_ID_PROP_NAME, inVmId), "in-vm"));
        }
        return configuration;
    }

    /** Starts the broker; returns when the journal is loaded and the in-VM acceptor accepts. */
    public synchronized EdgeBroker start() throws Exception {
        if (embedded == null) {
            EmbeddedActiveMQ broker = new EmbeddedActiveMQ();
            broker.setConfiguration(loadConfiguration(dataDir, inVmId));
            broker.start();
            embedded = broker;
        }
        return this;
    }

    /** The URL a client connection factory uses to reach this broker. */
    public String connectorUrl() {
        return "vm://" + inVmId;
    }

    public Path dataDir() {
        return dataDir;
    }

    public synchronized boolean isStarted() {
        return embedded != null && embedded.getActiveMQServer().isStarted();
    }

    /** Number of messages in a queue, including scheduled redeliveries; for tests and diagnostics. */
    public synchronized long messageCount(String queue) {
        if (embedded == null) {
            throw new IllegalStateException("broker is not started");
        }
        var q = embedded.getActiveMQServer().locateQueue(queue);
        if (q == null) {
            throw new IllegalArgumentException("no queue " + queue);
        }
        return q.getMessageCount();
    }

    @Override
    public synchronized void close() throws Exception {
        if (embedded != null) {
            try {
                embedded.stop();
            } finally {
                embedded = null;
            }
        }
    }
}
