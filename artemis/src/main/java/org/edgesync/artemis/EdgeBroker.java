package org.edgesync.artemis;

import org.apache.activemq.artemis.api.core.TransportConfiguration;
import org.apache.activemq.artemis.core.config.Configuration;
import org.apache.activemq.artemis.core.config.FileDeploymentManager;
import org.apache.activemq.artemis.core.config.impl.FileConfiguration;
import org.apache.activemq.artemis.core.remoting.impl.invm.InVMAcceptorFactory;
import org.apache.activemq.artemis.core.remoting.impl.invm.TransportConstants;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.apache.activemq.artemis.core.server.plugin.ActiveMQServerBasePlugin;
import org.apache.activemq.artemis.core.settings.impl.AddressSettings;
import org.apache.activemq.artemis.core.settings.impl.DiskFullMessagePolicy;
import org.apache.activemq.artemis.core.settings.impl.PageFullMessagePolicy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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

    /** Smallest {@link #maxQueuedBytes(long)}: below it a single batch could not be queued. */
    public static final long MIN_MAX_QUEUED_BYTES = 256L << 10;

    /** Largest {@link #maxQueuedBytes(long)}: 1 TiB, beyond any device's disk. */
    public static final long MAX_MAX_QUEUED_BYTES = 1L << 40;

    /** Most memory the batch queue uses before it pages to disk (the broker.xml global-max-size). */
    static final long MAX_MEMORY_BYTES = 4L << 20;

    /** Largest page file; the page limit is counted in whole page files. */
    static final int MAX_PAGE_FILE_BYTES = 1 << 20;

    private final Path dataDir;
    private final int inVmId;
    private final List<ActiveMQServerBasePlugin> plugins = new ArrayList<>();
    private long maxQueuedBytes;
    private long maxRedeliveryDelayMs;
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
     * Caps what the batch queue holds (memory plus page files, in bytes) before the broker refuses
     * further batches with {@code AMQ229102 Address "edgesync.batches" is full} instead of blocking the
     * sender. 0 (the default) keeps the limits of {@value #BROKER_XML}. Call before {@link #start()}.
     */
    public synchronized EdgeBroker maxQueuedBytes(long bytes) {
        if (bytes != 0 && (bytes < MIN_MAX_QUEUED_BYTES || bytes > MAX_MAX_QUEUED_BYTES)) {
            throw new IllegalArgumentException("max queued bytes " + bytes + " is outside " + MIN_MAX_QUEUED_BYTES
                    + " to " + MAX_MAX_QUEUED_BYTES);
        }
        this.maxQueuedBytes = bytes;
        return this;
    }

    /**
     * Caps the redelivery backoff of the batch queue (1 s, 2 s, 4 s ... up to this many milliseconds), so a
     * device notices a returning cloud within this time. 0 (the default) keeps {@value #BROKER_XML}'s cap.
     * Call before {@link #start()}.
     */
    public synchronized EdgeBroker maxRedeliveryDelayMs(long ms) {
        if (ms < 0) {
            throw new IllegalArgumentException("max redelivery delay " + ms + " ms is negative");
        }
        this.maxRedeliveryDelayMs = ms;
        return this;
    }

    /** Registers a broker plugin (fault injection, diagnostics) to be active from start. Call before {@link #start()}. */
    public synchronized EdgeBroker plugin(ActiveMQServerBasePlugin plugin) {
        plugins.add(Objects.requireNonNull(plugin, "plugin"));
        return this;
    }

    /**
     * The batch queue's share of {@code maxQueuedBytes}: a quarter (at most {@value #MAX_MEMORY_BYTES}
     * bytes) stays in memory, the rest may be paged to disk in page files of a sixteenth (at most 1 MiB),
     * and when the page files reach their share the broker FAILs new sends (page-full-policy) rather than
     * block them. The journal copy of the in-memory part is what makes the total an approximation of the
     * bytes on disk, not an exact bound.
     */
    public static void limitQueuedBytes(Configuration configuration, long maxQueuedBytes) {
        AddressSettings batches = configuration.getAddressSettings().get(BATCH_QUEUE);
        if (batches == null) {
            throw new IllegalStateException(BROKER_XML + " has no address-setting for " + BATCH_QUEUE);
        }
        long memory = Math.min(MAX_MEMORY_BYTES, maxQueuedBytes / 4);
        int pageFile = (int) Math.min(MAX_PAGE_FILE_BYTES, maxQueuedBytes / 16);
        batches.setMaxSizeBytes(memory)
                .setPageSizeBytes(pageFile)
                .setPageLimitBytes(maxQueuedBytes - memory)
                .setPageFullMessagePolicy(PageFullMessagePolicy.FAIL)
                .setDiskFullMessagePolicy(DiskFullMessagePolicy.FAIL);
    }

    /** Sets the longest wait between two deliveries of a batch the forward route rolled back. */
    public static void limitRedeliveryDelay(Configuration configuration, long maxRedeliveryDelayMs) {
        AddressSettings batches = configuration.getAddressSettings().get(BATCH_QUEUE);
        if (batches == null) {
            throw new IllegalStateException(BROKER_XML + " has no address-setting for " + BATCH_QUEUE);
        }
        batches.setMaxRedeliveryDelay(maxRedeliveryDelayMs);
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
            Configuration configuration = loadConfiguration(dataDir, inVmId);
            if (maxQueuedBytes != 0) {
                limitQueuedBytes(configuration, maxQueuedBytes);
            }
            if (maxRedeliveryDelayMs != 0) {
                limitRedeliveryDelay(configuration, maxRedeliveryDelayMs);
            }
            plugins.forEach(configuration::registerBrokerPlugin);
            broker.setConfiguration(configuration);
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

    /** The address settings the running broker applies to the batch queue; for tests and diagnostics. */
    public synchronized AddressSettings batchQueueSettings() {
        if (embedded == null) {
            throw new IllegalStateException("broker is not started");
        }
        return embedded.getActiveMQServer().getAddressSettingsRepository().getMatch(BATCH_QUEUE);
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
