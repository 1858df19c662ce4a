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
                                     @PropertyInject("edgesync.broker.data.dir") String brokerDataDir) {
        EdgeSettings settings = EdgeSettings.of(deviceId, deviceToken, sqlitePath, captureTables, pollIntervalMs,
                pollBatchSize, cloudUrl, connectTimeoutMs, responseTimeoutMs, brokerDataDir);
        LOG.info("Device {} captures {} from {} and sends to {} (broker data in {})", settings.deviceId(),
                settings.captureTables(), settings.sqlitePath().toAbsolutePath(), settings.cloudUrl(),
                settings.brokerDataDir().toAbsolutePath());
        return settings;
    }

    @BindToRegistry("edgeDataSource")
    public DataSource edgeDataSource(EdgeSettings settings) throws Exception {
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
    public ConnectionFactory edgeJmsConnectionFactory(EdgeSettings settings, DataSource edgeDataSource) throws Exception {
        broker = new EdgeBroker(settings.brokerDataDir()).start();
        // Cache the connection and sessions: the poll route sends through JmsTemplate, which would
        // otherwise open a connection per batch.
        CachingConnectionFactory caching = new CachingConnectionFactory(new ActiveMQConnectionFactory(broker.connectorUrl()));
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
