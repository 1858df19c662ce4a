package org.edgesync.edge;

import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import jakarta.jms.ConnectionFactory;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.PropertyInject;
import org.apache.camel.health.HealthCheck;
import org.apache.camel.support.jsse.SSLContextParameters;
import org.apache.camel.support.jsse.TrustManagersParameters;
import org.apache.camel.support.service.ServiceSupport;
import org.apache.camel.throttling.ThrottlingExceptionRoutePolicy;
import org.edgesync.artemis.EdgeBroker;
import org.edgesync.edge.capture.CaptureInstaller;
import org.edgesync.edge.fault.CrashPoints;
import org.edgesync.edge.fault.JmsCommitCrashPlugin;
import org.edgesync.edge.housekeeping.SqliteSpace;
import org.edgesync.edge.observe.BrokerHealthCheck;
import org.edgesync.edge.observe.ChangeTableReader;
import org.edgesync.edge.observe.DeliveryEvents;
import org.edgesync.edge.observe.EdgeMetrics;
import org.edgesync.edge.observe.SqliteHealthCheck;
import org.edgesync.edge.security.CloudTrust;
import org.edgesync.edge.security.JolokiaAgent;
import org.edgesync.edge.security.RequestSigner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jms.connection.CachingConnectionFactory;

import javax.sql.DataSource;
import java.nio.file.Path;

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

    private final Path configDir;
    private HikariDataSource dataSource;
    private EdgeBroker broker;
    private CachingConnectionFactory jmsConnectionFactory;
    private RequestSigner requestSigner;
    private CloudTrust cloudTrust;
    private RetryAfter retryAfter;
    private JolokiaAgent jolokia;
    /** Metrics of the edge, served by Camel's micrometer-prometheus on /observe/metrics; set by configure(). */
    private MeterRegistry meterRegistry;

    // Secrets and security settings, injected before any factory runs (see validateSecurity).
    @PropertyInject(value = "edgesync.device.key", defaultValue = "")
    String deviceKey;
    @PropertyInject(value = "edgesync.device.key.file", defaultValue = "")
    String deviceKeyFile;
    @PropertyInject(value = "edgesync.device.key.version", defaultValue = "1")
    String deviceKeyVersion;
    @PropertyInject(value = "edgesync.cloud.truststore.file", defaultValue = "")
    String truststoreFile;
    @PropertyInject(value = "edgesync.cloud.truststore.password", defaultValue = "")
    String truststorePassword;
    @PropertyInject(value = "edgesync.cloud.retry.after.max.seconds", defaultValue = "3600")
    String retryAfterMaxSeconds;
    @PropertyInject(value = "edgesync.jolokia.host", defaultValue = "127.0.0.1")
    String jolokiaHost;
    @PropertyInject(value = "edgesync.jolokia.port", defaultValue = "8778")
    String jolokiaPort;
    @PropertyInject(value = "edgesync.jolokia.user", defaultValue = "edgesync-ops")
    String jolokiaUser;
    @PropertyInject(value = "edgesync.jolokia.password", defaultValue = "")
    String jolokiaPassword;
    @PropertyInject(value = "edgesync.metrics.cache.ms", defaultValue = "5000")
    String metricsCacheMs;
    // Throughput settings; the routes read the first two as placeholders, validated here first.
    @PropertyInject(value = "edgesync.poll.initial.delay.ms", defaultValue = "0")
    String pollInitialDelayMs;
    @PropertyInject(value = "edgesync.forward.batches.in.flight", defaultValue = "2")
    String batchesInFlight;
    @PropertyInject(value = "edgesync.broker.max.redelivery.delay.ms", defaultValue = "10000")
    String maxRedeliveryDelayMs;
    private DeliverySettings delivery;
    @PropertyInject(value = "edgesync.forward.pause.after.failures", defaultValue = "3")
    String pauseAfterFailures;
    @PropertyInject(value = "edgesync.forward.pause.ms", defaultValue = "5000")
    String pauseMs;
    private ForwardPause forwardPause;

    /** @param configDir the route-config directory; the Jolokia access policy is {@code edge/jolokia-access.xml} in it */
    public EdgeConfiguration(Path configDir) {
        this.configDir = configDir;
    }

    @BindToRegistry("edgeSettings")
    public EdgeSettings edgeSettings(@PropertyInject("edgesync.device.id") String deviceId,
                                     @PropertyInject("edgesync.sqlite.path") String sqlitePath,
                                     @PropertyInject("edgesync.capture.tables") String captureTables,
                                     @PropertyInject("edgesync.poll.interval.ms") String pollIntervalMs,
                                     @PropertyInject("edgesync.poll.batch.size") String pollBatchSize,
                                     @PropertyInject("edgesync.cloud.url") String cloudUrl,
                                     @PropertyInject("edgesync.cloud.connect.timeout.ms") String connectTimeoutMs,
                                     @PropertyInject("edgesync.cloud.response.timeout.ms") String responseTimeoutMs,
                                     @PropertyInject("edgesync.broker.data.dir") String brokerDataDir,
                                     @PropertyInject("edgesync.broker.max.queued.bytes") String brokerMaxQueuedBytes) {
        EdgeSettings settings = EdgeSettings.of(deviceId, sqlitePath, captureTables, pollIntervalMs,
                pollBatchSize, cloudUrl, connectTimeoutMs, responseTimeoutMs, brokerDataDir, brokerMaxQueuedBytes);
        LOG.info("Device {} captures {} from {} and sends to {} (broker data in {})", settings.deviceId(),
                settings.captureTables(), settings.sqlitePath().toAbsolutePath(), settings.cloudUrl(),
                settings.brokerDataDir().toAbsolutePath());
        if ("http".equals(settings.cloudUrl().getScheme())) {
            LOG.warn("edgesync.cloud.url {} is plain http: batches travel unencrypted and the cloud is not authenticated."
                    + " Use it only for tests, or on this device behind a TLS proxy; use https with"
                    + " edgesync.cloud.truststore.file otherwise.", settings.cloudUrl());
        }
        validateSecurity(settings);
        delivery = DeliverySettings.of(pollInitialDelayMs, batchesInFlight, maxRedeliveryDelayMs);
        LOG.info("Up to {} batches in flight to the cloud; a batch the cloud did not take is retried after 1 s, 2 s, 4 s"
                + " ... at most {} ms", delivery.batchesInFlight(), delivery.maxRedeliveryDelayMs());
        forwardPause = ForwardPause.of(pauseAfterFailures, pauseMs);
        LOG.info("After {} failed attempts in a row forwarding pauses, trying one batch every {} ms until one gets through",
                forwardPause.failures(), forwardPause.pauseMs());
        return settings;
    }

    /** The forward route's pause while the cloud keeps failing (route policy {@code forwardPause}). */
    @BindToRegistry("forwardPause")
    public ThrottlingExceptionRoutePolicy forwardPause(EdgeSettings settings) {
        return forwardPause.routePolicy();
    }

    /**
     * Signs every attempt of a batch POST with the device key (EDGESYNC_DEVICE_KEY or edgesync.device.key.file).
     * Built and validated with the settings, before SQLite or the broker is opened.
     */
    @BindToRegistry("requestSigner")
    public RequestSigner requestSigner(EdgeSettings settings) {
        return requestSigner;
    }

    /**
     * The only certificates the HTTP client trusts for the cloud (camel.component.http.ssl-context-parameters);
     * the JVM's default trust store is never consulted. Hostname verification is camel-http's default.
     */
    @BindToRegistry("edgeCloudTls")
    public SSLContextParameters edgeCloudTls(EdgeSettings settings) {
        TrustManagersParameters trustManagers = new TrustManagersParameters();
        trustManagers.setTrustManager(cloudTrust.trustManager());
        SSLContextParameters tls = new SSLContextParameters();
        tls.setTrustManagers(trustManagers);
        return tls;
    }

    @BindToRegistry("retryAfter")
    public RetryAfter retryAfter(EdgeSettings settings) {
        return retryAfter;
    }

    /**
     * The security settings, validated right after the plain settings (Camel invokes the factories that
     * take EdgeSettings after edgeSettings); read from fields because Camel orders factories by their
     * number of parameters.
     */
    private void validateSecurity(EdgeSettings settings) {
        requestSigner = RequestSigner.of(settings.deviceId(), deviceKey, deviceKeyFile, deviceKeyVersion, settings.cloudUrl());
        LOG.info("Requests are signed for device {} with key version {} (key from {})", requestSigner.deviceId(),
                requestSigner.keyVersion(), deviceKeyFile == null || deviceKeyFile.isBlank() ? "EDGESYNC_DEVICE_KEY"
                        : "file " + Path.of(deviceKeyFile.trim()).toAbsolutePath());
        cloudTrust = CloudTrust.of(settings.cloudUrl(), truststoreFile, truststorePassword);
        LOG.info("The cloud's TLS certificate is checked against {}", cloudTrust.description());
        retryAfter = RetryAfter.of(retryAfterMaxSeconds);
        jolokia = JolokiaAgent.of(jolokiaHost, jolokiaPort, jolokiaUser, jolokiaPassword,
                configDir.resolve("edge").resolve("jolokia-access.xml"));
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

    /**
     * The advisory telemetry headers of every batch request (see forward-batches.camel.yaml). The configuration hash is
     * computed once, here; the DLQ depth is read from the broker started by edgeJmsConnectionFactory.
     */
    @BindToRegistry("edgeTelemetry")
    public EdgeTelemetry edgeTelemetry(EdgeSettings settings) {
        String configVersion = EdgeTelemetry.hashOf(configDir, settings);
        String softwareVersion = EdgeTelemetry.versionOf(EdgeConfiguration.class);
        LOG.info("EdgeSync {} with configuration version {}", softwareVersion, configVersion);
        return new EdgeTelemetry(() -> broker.messageCount(EdgeBroker.DEAD_LETTER_QUEUE), softwareVersion, configVersion);
    }

    /** Free-space housekeeping of the shop's SQLite file (route edge-housekeeping). */
    @BindToRegistry("sqliteSpace")
    public SqliteSpace sqliteSpace(EdgeSettings settings, DataSource edgeDataSource,
                                   @PropertyInject(value = SqliteSpace.MAX_PAGES_KEY, defaultValue = "2048") String maxPages,
                                   @PropertyInject(value = "edgesync.housekeeping.interval.ms", defaultValue = "3600000")
                                   String intervalMs) {
        SqliteSpace.interval(intervalMs);
        return new SqliteSpace(edgeDataSource, settings.sqlitePath(), SqliteSpace.maxPages(maxPages));
    }

    /**
     * The seq poll-changes has published through, and the DELETE of those rows. Lazy, like the health checks: the
     * order in which Camel binds the eager factories is not fixed, and this one needs the SQLite pool bound first.
     */
    @BindToRegistry(value = "publishedChanges", lazy = true)
    public PublishedChanges publishedChanges(EdgeSettings settings, DataSource edgeDataSource) {
        return new PublishedChanges(edgeDataSource, settings.pollBatchSize());
    }

    /** Row maps of the poll route's change-table query (its {@code rowMapperFactory}). */
    @BindToRegistry("labelCachingRowMaps")
    public LabelCachingRowMapperFactory labelCachingRowMaps() {
        return new LabelCachingRowMapperFactory();
    }

    @BindToRegistry("batchAssembler")
    public BatchAssembler batchAssembler(EdgeSettings settings,
                                         @PropertyInject(value = BatchAssembler.GZIP_LEVEL_KEY, defaultValue = BatchAssembler.DEFAULT_GZIP_LEVEL)
                                         String gzipLevel) {
        return new BatchAssembler(settings.deviceId(), BatchAssembler.gzipLevel(gzipLevel));
    }

    /** Depends on the data source only so that it is created after the capture is installed. */
    @BindToRegistry("edgeJmsConnectionFactory")
    public ConnectionFactory edgeJmsConnectionFactory(EdgeSettings settings, DataSource edgeDataSource,
                                                      CrashPoints crashPoints) throws Exception {
        EdgeBroker edgeBroker = new EdgeBroker(settings.brokerDataDir()).maxQueuedBytes(settings.brokerMaxQueuedBytes())
                .maxRedeliveryDelayMs(delivery.maxRedeliveryDelayMs());
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
        // No prefetch: a forward consumer takes a batch only when it is free to send it, so with several
        // batches in flight a slow request never holds batches that another consumer could send, and no
        // heap goes to buffered batches.
        artemis.setConsumerWindowSize(0);
        // Cache the connection and sessions: the poll route sends through JmsTemplate, which would
        // otherwise open a connection per batch.
        CachingConnectionFactory caching = new CachingConnectionFactory(artemis);
        caching.setSessionCacheSize(4);
        caching.setCacheConsumers(false);
        jmsConnectionFactory = caching;
        return caching;
    }

    // ---- Health and metrics (org.edgesync.edge.observe), served by Camel's management server ----
    // Lazy: Camel orders eager factories by their parameters, not by what they need, and these need the broker.

    /** The running broker, for diagnostics and tests. */
    @BindToRegistry(value = "edgeBroker", lazy = true)
    public EdgeBroker edgeBroker(ConnectionFactory edgeJmsConnectionFactory) {
        return broker;
    }

    @BindToRegistry(value = "edgesyncBrokerHealth", lazy = true)
    public HealthCheck edgesyncBrokerHealth(ConnectionFactory edgeJmsConnectionFactory) {
        return new BrokerHealthCheck(() -> broker);
    }

    @BindToRegistry(value = "edgesyncSqliteHealth", lazy = true)
    public HealthCheck edgesyncSqliteHealth(EdgeSettings settings, DataSource edgeDataSource) {
        return new SqliteHealthCheck(settings.sqlitePath(), edgeDataSource);
    }

    @Override
    public void configure(CamelContext context) throws Exception {
        context.addService(new ShutdownInOrder(), true, true);
        // Camel's micrometer-prometheus serves the registry bound as "metricsRegistry" on /observe/metrics; when it
        // started first it has created that registry already.
        meterRegistry = context.getRegistry().lookupByNameAndType("metricsRegistry", MeterRegistry.class);
        if (meterRegistry == null) {
            meterRegistry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            context.getRegistry().bind("metricsRegistry", meterRegistry);
        }
        context.getManagementStrategy().addEventNotifier(new DeliveryEvents(meterRegistry));
        // Bound when the context starts, when the SQLite pool and the broker exist.
        context.addService(new ServiceSupport() {
            @Override
            protected void doStart() {
                new EdgeMetrics(new ChangeTableReader(dataSource, ChangeTableReader.cacheMs(metricsCacheMs)),
                        context.getRegistry().lookupByNameAndType("edgeTelemetry", EdgeTelemetry.class),
                        () -> broker.messageCount(EdgeBroker.BATCH_QUEUE)).bindTo(meterRegistry);
            }
        }, true, true);
    }

    /** The Jolokia agent when it is on, for tests and diagnostics; null when off or not yet started. */
    public JolokiaAgent jolokia() {
        return jolokia;
    }

    /**
     * Starts Jolokia with the context (when it is on); stops what the factories started, after the routes:
     * Jolokia, JMS factory, then broker, then SQLite.
     */
    private final class ShutdownInOrder extends ServiceSupport {
        @Override
        protected void doStart() throws Exception {
            if (jolokia != null) {
                jolokia.start();
                LOG.info("Jolokia serves {} for user {} with the access policy {}", jolokia.url(), jolokia.user(), jolokia.policy());
                if (!jolokia.host().isLoopbackAddress()) {
                    LOG.warn("Jolokia listens on {}, not only on this device: anyone on that network can try its password.",
                            jolokia.host().getHostAddress());
                }
            } else {
                LOG.info("Jolokia is off (set EDGESYNC_JOLOKIA_PASSWORD to turn it on)");
            }
        }

        @Override
        protected void doStop() throws Exception {
            if (jolokia != null) {
                jolokia.stop();
            }
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
