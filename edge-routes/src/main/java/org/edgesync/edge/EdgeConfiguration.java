package org.edgesync.edge;

import com.zaxxer.hikari.HikariDataSource;
import jakarta.jms.ConnectionFactory;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.PropertyInject;
import org.apache.camel.support.service.ServiceSupport;
import org.edgesync.artemis.EdgeBroker;
import org.edgesync.edge.capture.CaptureInstaller;
import org.edgesync.edge.fault.CrashPoints;
import org.edgesync.edge.fault.JmsCommitCrashPlugin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jms.connection.CachingConnectionFactory;

import javax.sql.DataSource;

/**
 * Wires the edge runtime. Camel calls the factories in dependency order: settings are validated
 * first, then the capture is installed, then the broker starts (so a bad setting or table never
 * leaves a broker holding the journal lock), all before any route starts. At shutdown the JMS
 * connection factory is closed before the broker, and the SQLite pool last.
 *
 * <p>Pass an instance to Camel Main, never the class: a class is instantiated twice and the second
 * broker waits forever for the journal lock.
 */
public class EdgeConfiguration implements CamelConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(EdgeConfiguration.class);

    /** Longest wait for the broker's answer to a send or commit (an fsync on a slow SD card takes seconds). */
    static final long SEND_TIMEOUT_MS = 30_000;

    private HikariDataSource dataSource;
    private EdgeBroker broker;
    private CachingConnectionFactory jmsConnectionFactory;

    @BindToRegistry("edgeSettings")
    public EdgeSettings edgeSettings(@PropertyInject("edgesync.device.id") String deviceId,
                                     @PropertyInject("edgesync.device.token") String deviceToken,
                                     @PropertyInject("edgesync.sqlite.path") String sqlitePath,
                                     @PropertyInject("edgesync.capture.tables") String captureTables,
                                     @PropertyInject("edgesync.poll.interval.ms") String pollIntervalMs,
                                     @PropertyInject("edgesync.poll.batch.size") String pollBatchSize,
                                     @PropertyInject("edgesync.cloud.url") String cloudUrl,
                                     @PropertyInject("edgesync.cloud.connect.timeout.ms") String connectTimeoutMs,
                                     @PropertyInject("edgesync.cloud.response.timeout.ms") String responseTimeoutMs,
                                     @PropertyInject("edgesync.broker.data.dir") String brokerDataDir,
                                     @PropertyInject("edgesync.broker.max.queued.bytes") String brokerMaxQueuedBytes) {
        EdgeSettings settings = EdgeSettings.of(deviceId, deviceToken, sqlitePath, captureTables, pollIntervalMs,
                pollBatchSize, cloudUrl, connectTimeoutMs, responseTimeoutMs, brokerDataDir, brokerMaxQueuedBytes);
        LOG.info("Device {} captures {} from {} and sends to {} (broker data in {})", settings.deviceId(),
                settings.captureTables(), settings.sqlitePath().toAbsolutePath(), settings.cloudUrl(),
                settings.brokerDataDir().toAbsolutePath());
        return settings;
    }

    /**
     * Fault injection for the crash tests, disarmed unless -D{@value CrashPoints#SYSTEM_PROPERTY} is set.
     * Created with the settings, before the SQLite pool and the broker, so a bad value stops startup
     * before anything is opened.
     */
    @BindToRegistry("crashPoints")
    public CrashPoints crashPoints(EdgeSettings settings) {
        CrashPoints crashPoints = CrashPoints.fromSystemProperty();
        if (crashPoints.isArmed()) {
            LOG.warn("Fault injection armed by -D{}: the JVM halts with status {} at {}. Never use this on a device.",
                    CrashPoints.SYSTEM_PROPERTY, CrashPoints.HALT_STATUS, crashPoints.description());
        }
        return crashPoints;
    }

    @BindToRegistry("failureMessages")
    public FailureMessages failureMessages() {
        return new FailureMessages();
    }

    /** Depends on the crash points only so that a bad fault setting stops startup before SQLite is opened. */
    @BindToRegistry("edgeDataSource")
    public DataSource edgeDataSource(EdgeSettings settings, CrashPoints crashPoints) throws Exception {
        dataSource = SqliteDataSources.create(settings.sqlitePath());
        try {
            var installed = new CaptureInstaller(dataSource, settings.sqlitePath().toAbsolutePath().toString())
                    .install(settings.captureTables());
            LOG.info("Change capture installed on {}", installed.stream().map(CaptureInstaller.CapturedTable::name).toList());
        } catch (Exception e) {
            dataSource.close();
            throw e;
        }
        return dataSource;
    }

    @BindToRegistry("batchAssembler")
    public BatchAssembler batchAssembler(EdgeSettings settings) {
        return new BatchAssembler(settings.deviceId());
    }

    /** Depends on the data source only so that it is created after the capture is installed. */
    @BindToRegistry("edgeJmsConnectionFactory")
    public ConnectionFactory edgeJmsConnectionFactory(EdgeSettings settings, DataSource edgeDataSource,
                                                      CrashPoints crashPoints) throws Exception {
        EdgeBroker edgeBroker = new EdgeBroker(settings.brokerDataDir()).maxQueuedBytes(settings.brokerMaxQueuedBytes());
        if (crashPoints.isArmed(JmsCommitCrashPlugin.POINT)) {
            edgeBroker.plugin(new JmsCommitCrashPlugin(crashPoints, EdgeBroker.BATCH_QUEUE));
        }
        broker = edgeBroker.start();
        ActiveMQConnectionFactory artemis = new ActiveMQConnectionFactory(broker.connectorUrl());
        // A persistent send returns only when the broker has the batch on disk: the poll route deletes
        // the rows after it. (Artemis's default, stated because everything depends on it.)
        artemis.setBlockOnDurableSend(true);
        // Bounds every blocking call (send, commit) so no route thread can wait forever. The broker never
        // withholds producer credits (address PAGE, page-full and disk-full FAIL), so a full queue or
        // disk fails the send at once with AMQ229102 rather than running into this timeout.
        artemis.setCallTimeout(SEND_TIMEOUT_MS);
        // Cache the connection and sessions: the poll route sends through JmsTemplate, which would
        // otherwise open a connection per batch.
        CachingConnectionFactory caching = new CachingConnectionFactory(artemis);
        caching.setSessionCacheSize(4);
        caching.setCacheConsumers(false);
        jmsConnectionFactory = caching;
        return caching;
    }

    @Override
    public void configure(CamelContext context) throws Exception {
        context.addService(new ShutdownInOrder(), true, true);
    }

    /** Stops what the factories started, after the routes: JMS factory, then broker, then SQLite. */
    private final class ShutdownInOrder extends ServiceSupport {
        @Override
        protected void doStop() throws Exception {
            if (jmsConnectionFactory != null) {
                jmsConnectionFactory.destroy();
            }
            if (broker != null) {
                broker.close();
            }
            if (dataSource != null) {
                dataSource.close();
            }
        }
    }
}
