package org.edgesync.cloud;

import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.PropertyInject;
import org.apache.camel.component.quartz.QuartzComponent;
import org.apache.camel.health.HealthCheck;
import org.apache.camel.support.service.ServiceSupport;
import org.edgesync.cloud.auth.MasterKey;
import org.edgesync.cloud.auth.RequestAuthenticator;
import org.edgesync.cloud.auth.SeenRequests;
import org.edgesync.cloud.housekeeping.AttentionReport;
import org.edgesync.cloud.housekeeping.PausedJobs;
import org.edgesync.cloud.housekeeping.StagingRetention;
import org.edgesync.cloud.ingest.BatchIngestor;
import org.edgesync.cloud.ingest.IngestRequestTimeout;
import org.edgesync.cloud.ingest.RateLimiter;
import org.edgesync.cloud.load.LoadWaker;
import org.edgesync.cloud.load.StagedChangeLoader;
import org.edgesync.cloud.mapping.TableMappings;
import org.edgesync.cloud.observe.DatabaseHealthCheck;
import org.edgesync.cloud.observe.FleetMetrics;
import org.edgesync.cloud.observe.FleetSnapshot;
import org.edgesync.cloud.observe.IngestEvents;
import org.edgesync.cloud.support.ClusteredScheduler;
import org.edgesync.cloud.support.Database;
import org.edgesync.cloud.support.HaltPoint;
import org.edgesync.cloud.support.JolokiaAgent;
import org.edgesync.cloud.support.Migrations;
import org.edgesync.cloud.support.Settings;
import org.edgesync.cloud.support.TargetTables;
import org.edgesync.cloud.support.Tls;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.quartz.TriggerKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;

/**
 * Wires the cloud node: checks the settings, opens the PostgreSQL pool, runs the Flyway migrations, loads the
 * table mappings and builds the clustered Quartz scheduler, all before any route starts. Pass ONE instance to
 * Camel Main: every bean below comes from the same {@link Node}, however often Camel calls the factories.
 */
public class CloudConfiguration implements CamelConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(CloudConfiguration.class);

    @PropertyInject(value = "edgesync.config.dir", defaultValue = "route-config")
    String configDir;
    @PropertyInject("edgesync.db.url")
    String dbUrl;
    @PropertyInject("edgesync.db.user")
    String dbUser;
    @PropertyInject(value = "edgesync.db.password", defaultValue = " ")
    String dbPassword;
    @PropertyInject(value = "edgesync.db.pool.max.size", defaultValue = "10")
    String poolMaxSize;
    @PropertyInject("edgesync.load.cron")
    String loadCron;
    @PropertyInject(value = "edgesync.auth.purge.cron", defaultValue = "0 * * * * ?")
    String purgeCron;
    @PropertyInject(value = "edgesync.load.max.changes.per.run", defaultValue = "5000")
    String maxChangesPerRun;
    @PropertyInject(value = "edgesync.ingest.max.body.bytes", defaultValue = "16777216")
    String maxBodyBytes;
    @PropertyInject("edgesync.mappings.file")
    String mappingsFile;
    @PropertyInject(value = "edgesync.ingest.max.changes.per.batch", defaultValue = "10000")
    String maxChangesPerBatch;
    @PropertyInject(value = "edgesync.ingest.decoding.slots", defaultValue = " ")
    String decodingSlots;
    @PropertyInject(value = "edgesync.ingest.request.timeout.ms", defaultValue = "30000")
    String requestTimeoutMs;
    @PropertyInject(value = "edgesync.ingest.rate.batches.per.s", defaultValue = "10")
    String rateBatchesPerSecond;
    @PropertyInject(value = "edgesync.ingest.rate.burst", defaultValue = "100")
    String rateBurst;
    @PropertyInject(value = MasterKey.FILE_KEY, defaultValue = " ")
    String masterKeyFile;
    @PropertyInject(value = MasterKey.VALUE_KEY, defaultValue = " ")
    String masterKeyValue;
    @PropertyInject(value = "edgesync.auth.max.skew.s", defaultValue = "300")
    String maxSkewSeconds;
    @PropertyInject(value = "edgesync.tls.enabled", defaultValue = "true")
    String tlsEnabled;
    @PropertyInject(value = "edgesync.tls.keystore.file", defaultValue = " ")
    String tlsKeystoreFile;
    @PropertyInject(value = "edgesync.tls.keystore.password", defaultValue = " ")
    String tlsKeystorePassword;
    @PropertyInject(value = "edgesync.jolokia.enabled", defaultValue = "true")
    String jolokiaEnabled;
    @PropertyInject(value = "edgesync.jolokia.host", defaultValue = "127.0.0.1")
    String jolokiaHost;
    @PropertyInject(value = "edgesync.jolokia.port", defaultValue = "8778")
    String jolokiaPort;
    @PropertyInject(value = "edgesync.jolokia.user", defaultValue = "edgesync-ops")
    String jolokiaUser;
    @PropertyInject(value = "edgesync.jolokia.password", defaultValue = " ")
    String jolokiaPassword;
    @PropertyInject(value = "edgesync.jolokia.policy.file", defaultValue = " ")
    String jolokiaPolicyFile;
    /** Fault-scenario suite only: see {@link HaltPoint}. */
    @PropertyInject(value = HaltPoint.KEY, defaultValue = HaltPoint.NONE)
    String haltAt;
    @PropertyInject("camel.main.name")
    String clusterName;
    @PropertyInject(value = "camel.server.port", defaultValue = "8080")
    String serverPort;
    @PropertyInject(value = "camel.management.port", defaultValue = "8080")
    String managementPort;
    @PropertyInject(value = "edgesync.metrics.fleet.refresh.s", defaultValue = "15")
    String fleetRefreshSeconds;
    @PropertyInject(value = "edgesync.fleet.silent.after.s", defaultValue = "900")
    String fleetSilentAfterSeconds;

    @PropertyInject(value = "edgesync.staging.retention.hours", defaultValue = "168")
    String stagingRetentionHours;
    @PropertyInject(value = "edgesync.staging.retention.chunk.rows", defaultValue = "5000")
    String stagingRetentionChunkRows;
    @PropertyInject(value = "edgesync.staging.retention.cron", defaultValue = "0 7/15 * * * ?")
    String stagingRetentionCron;
    @PropertyInject(value = "edgesync.report.cron", defaultValue = "0 5 * * * ?")
    String reportCron;

    private Node node;
    private Housekeeping housekeeping;

    @BindToRegistry("edgesyncDataSource")
    public DataSource dataSource() {
        return node().dataSource;
    }

    @BindToRegistry("tableMappings")
    public TableMappings tableMappings() {
        return node().mappings;
    }

    @BindToRegistry("batchIngestor")
    public BatchIngestor batchIngestor() {
        return node().ingestor;
    }

    @BindToRegistry("seenRequests")
    public SeenRequests seenRequests() {
        return node().seenRequests;
    }

    @BindToRegistry("stagedChangeLoader")
    public StagedChangeLoader stagedChangeLoader() {
        return node().loader;
    }

    @BindToRegistry("stagingRetention")
    public StagingRetention stagingRetention() {
        return housekeeping().retention();
    }

    @BindToRegistry("attentionReport")
    public AttentionReport attentionReport() {
        return housekeeping().report();
    }

    @BindToRegistry("loadWaker")
    public LoadWaker loadWaker() {
        return node().waker;
    }

    /** The quartz component of the routes, on the clustered scheduler. */
    @BindToRegistry("quartz")
    public QuartzComponent quartz() {
        QuartzComponent quartz = new QuartzComponent();
        quartz.setScheduler(node().scheduler);
        return quartz;
    }

    /** Readiness: DOWN while PostgreSQL is unavailable (/observe/health/ready). */
    @BindToRegistry("edgesyncDatabaseHealth")
    public HealthCheck edgesyncDatabaseHealth() {
        return new DatabaseHealthCheck(node().dataSource);
    }

    @Override
    public void configure(CamelContext camelContext) throws Exception {
        Node started = node();
        long timeoutMs = Settings.longBetween("edgesync.ingest.request.timeout.ms", requestTimeoutMs, 1000, 600_000);
        camelContext.addStartupListener((context, alreadyStarted) -> IngestRequestTimeout.install(context, timeoutMs));
        // after the routes registered their triggers (a changed cron replaces a trigger unpaused), before firing
        camelContext.addStartupListener((context, alreadyStarted) ->
                new PausedJobs(started.dataSource(), clusterName.trim()).reapply(started.scheduler()));
        // Stopped after the routes: the scheduler first (it still uses the pool), then the pool.
        camelContext.addService(new ServiceSupport() {
            @Override
            protected void doStop() {
                started.close();
            }
        }, true, true);
        // added after the pool's service so that Camel, stopping services in reverse, stops it before the pool
        configureMetrics(camelContext, started);
    }

    /**
     * Ingest counters and the fleet view as metrics (served by Camel's micrometer-prometheus on /observe/metrics) and
     * as JMX MBeans org.edgesync:type=Fleet and type=Device (read by Jolokia and Hawtio). Stopped before the pool.
     */
    private void configureMetrics(CamelContext camelContext, Node started) throws Exception {
        long refreshMs = 1000L * Settings.intBetween("edgesync.metrics.fleet.refresh.s", fleetRefreshSeconds, 1, 3600);
        long silentAfter = Settings.longBetween("edgesync.fleet.silent.after.s", fleetSilentAfterSeconds, 1, 31_536_000);
        // When Camel's micrometer-prometheus started first it has created the registry already.
        MeterRegistry registry = camelContext.getRegistry().lookupByNameAndType("metricsRegistry", MeterRegistry.class);
        if (registry == null) {
            registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            camelContext.getRegistry().bind("metricsRegistry", registry);
        }
        camelContext.getManagementStrategy().addEventNotifier(new IngestEvents(registry));
        FleetMetrics fleet = new FleetMetrics(now -> FleetSnapshot.read(started.dataSource, silentAfter, now), refreshMs,
                registry, ManagementFactory.getPlatformMBeanServer(), System::currentTimeMillis);
        camelContext.addService(new ServiceSupport() {
            @Override
            protected void doStart() {
                fleet.start();
            }

            @Override
            protected void doStop() {
                fleet.close();
            }
        }, true, true);
    }

    /** The beans of the scheduled housekeeping jobs, on the node's pool; their settings checked first. */
    private synchronized Housekeeping housekeeping() {
        if (housekeeping == null) {
            long hours = Settings.longBetween("edgesync.staging.retention.hours", stagingRetentionHours, 1, 87_600);
            int chunkRows = Settings.intBetween("edgesync.staging.retention.chunk.rows", stagingRetentionChunkRows,
                    100, 100_000);
            Settings.cron("edgesync.staging.retention.cron", stagingRetentionCron);
            Settings.cron("edgesync.report.cron", reportCron);
            DataSource pool = node().dataSource;
            housekeeping = new Housekeeping(new StagingRetention(pool, Duration.ofHours(hours), chunkRows,
                    Clock.systemUTC()), new AttentionReport(pool));
        }
        return housekeeping;
    }

    private synchronized Node node() {
        if (node == null) {
            node = Node.start(this);
        }
        return node;
    }

    /** What one cloud node owns; closed in reverse order of creation. */
    private record Node(HikariDataSource dataSource, TableMappings mappings, BatchIngestor ingestor,
                        StagedChangeLoader loader, LoadWaker waker, SeenRequests seenRequests, Scheduler scheduler,
                        JolokiaAgent jolokia) {

        static Node start(CloudConfiguration c) {
            String url = Settings.postgresUrl("edgesync.db.url", c.dbUrl);
            String user = Settings.required("edgesync.db.user", c.dbUser);
            int poolSize = Settings.intBetween("edgesync.db.pool.max.size", c.poolMaxSize, 2, 1000);
            Settings.cron("edgesync.load.cron", c.loadCron);
            Settings.cron("edgesync.auth.purge.cron", c.purgeCron);
            int maxChanges = Settings.intBetween("edgesync.load.max.changes.per.run", c.maxChangesPerRun, 1, 1_000_000);
            long maxBody = Settings.longBetween("edgesync.ingest.max.body.bytes", c.maxBodyBytes, 1024, 1L << 30);
            Path mappingsPath = Settings.readableFile("edgesync.mappings.file", c.mappingsFile);
            String cluster = Settings.required("camel.main.name", c.clusterName);
            Settings.distinctPorts("camel.server.port",
                    Settings.intBetween("camel.server.port", c.serverPort, 0, 65535),
                    "camel.management.port",
                    Settings.intBetween("camel.management.port", c.managementPort, 0, 65535));
            TableMappings mappings = TableMappings.load(mappingsPath);
            int maxChangesPerBatch = Settings.intBetween("edgesync.ingest.max.changes.per.batch", c.maxChangesPerBatch,
                    1, 1_000_000);
            int decodingSlots = c.decodingSlots == null || c.decodingSlots.isBlank()
                    ? BatchIngestor.oneSlotPerCore()
                    : Settings.intBetween("edgesync.ingest.decoding.slots", c.decodingSlots, 1, 1024);
            double rate = Settings.positiveDecimal("edgesync.ingest.rate.batches.per.s", c.rateBatchesPerSecond, 0.001, 1_000_000);
            int burst = Settings.intBetween("edgesync.ingest.rate.burst", c.rateBurst, 1, 1_000_000);
            long maxSkew = Settings.longBetween("edgesync.auth.max.skew.s", c.maxSkewSeconds, 1, 86_400);
            MasterKey masterKey = MasterKey.load(c.masterKeyFile, c.masterKeyValue);
            boolean jolokiaOn = Settings.bool("edgesync.jolokia.enabled", c.jolokiaEnabled);
            int jolokiaPort = Settings.intBetween("edgesync.jolokia.port", c.jolokiaPort, 0, 65535);
            Path jolokiaPolicy = jolokiaOn ? Settings.readableFile("edgesync.jolokia.policy.file", c.jolokiaPolicyFile) : null;
            if (Settings.bool("edgesync.tls.enabled", c.tlsEnabled)) {
                Tls.checkKeystore(c.tlsKeystoreFile, c.tlsKeystorePassword);
            } else {
                LOG.warn("TLS is off (edgesync.tls.enabled=false): devices' batches travel in clear text. Only for local"
                        + " demos and tests, or behind a TLS-terminating proxy on the same host.");
            }

            HaltPoint haltPoint = HaltPoint.parse(c.haltAt);
            HikariDataSource pool = Database.openPool("edgesync-cloud", url, user,
                    c.dbPassword == null ? "" : c.dbPassword.trim(), poolSize);
            try {
                Migrations.migrate(pool, Path.of(c.configDir, "cloud", "sql"));
                TargetTables.check(pool, mappings);
                Scheduler scheduler = ClusteredScheduler.create(pool, cluster, 2);
                JolokiaAgent jolokia = null;
                if (jolokiaOn && (c.jolokiaPassword == null || c.jolokiaPassword.isBlank())) {
                    LOG.warn("Jolokia not started: set EDGESYNC_JOLOKIA_PASSWORD (user {}), or edgesync.jolokia.enabled=false"
                            + " to silence this", Settings.required("edgesync.jolokia.user", c.jolokiaUser));
                } else if (jolokiaOn) {
                    jolokia = JolokiaAgent.start(Settings.required("edgesync.jolokia.host", c.jolokiaHost), jolokiaPort,
                            Settings.required("edgesync.jolokia.user", c.jolokiaUser), c.jolokiaPassword.trim(),
                            jolokiaPolicy);
                    LOG.info("Jolokia at {} (user {}, policy {})", jolokia.url(), c.jolokiaUser.trim(), jolokiaPolicy);
                }
                LOG.info("Cloud node ready: PostgreSQL {} as {}, {} table mappings from {}, Quartz cluster '{}'",
                        Settings.redactUrl(url), user, mappings.all().size(), mappingsPath, cluster);
                if (haltPoint != null) {
                    LOG.warn("Fault injection armed: {}={} - this node halts with exit code {} at that point. Never set this"
                            + " outside a fault-scenario test.", HaltPoint.KEY, haltPoint, HaltPoint.EXIT_CODE);
                }
                SeenRequests seen = new SeenRequests(pool, maxSkew);
                BatchIngestor ingestor = new BatchIngestor(pool, maxBody, maxChangesPerBatch,
                        new RequestAuthenticator(masterKey, maxSkew, Clock.systemUTC()), new RateLimiter(rate, burst), seen,
                        decodingSlots);
                StagedChangeLoader loader = new StagedChangeLoader(pool, mappings, maxChanges, haltPoint);
                // the trigger of quartz:edgesync/load-staged-changes (load-staged-changes.camel.yaml)
                LoadWaker waker = new LoadWaker(loader, scheduler, TriggerKey.triggerKey("load-staged-changes", "edgesync"));
                return new Node(pool, mappings, ingestor, loader, waker, seen, scheduler, jolokia);
            } catch (SQLException | SchedulerException | RuntimeException e) {
                pool.close();
                if (e instanceof RuntimeException runtime) {
                    throw runtime;
                }
                throw new IllegalStateException("Cloud node cannot start: " + e.getMessage(), e);
            }
        }

        void close() {
            if (jolokia != null) {
                jolokia.close();
            }
            // a fire draining a backlog would otherwise hold the shutdown below until its time is up
            loader.stop();
            waker.close();
            try {
                scheduler.shutdown(true);
            } catch (SchedulerException e) {
                LOG.warn("Quartz scheduler did not shut down cleanly: {}", e.getMessage());
            }
            dataSource.close();
        }
    }

    /** The beans of the scheduled housekeeping jobs (route-config/cloud/routes: purge-loaded-staging, report-quarantine-and-dlq). */
    private record Housekeeping(StagingRetention retention, AttentionReport report) {
    }
}
