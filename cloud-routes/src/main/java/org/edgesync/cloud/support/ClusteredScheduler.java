package org.edgesync.cloud.support;

import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.quartz.impl.SchedulerRepository;
import org.quartz.impl.StdSchedulerFactory;
import org.quartz.utils.ConnectionProvider;
import org.quartz.utils.DBConnectionManager;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Properties;
import java.util.UUID;

/**
 * Builds the Quartz scheduler of one cloud node: JDBC job store in schema edgesync ({@code qrtz_*} tables from
 * Flyway), clustered, on the node's own connection pool. Nodes with the same scheduler name share the
 * triggers, and Quartz fires each trigger on one node only.
 */
public final class ClusteredScheduler {

    private ClusteredScheduler() {
    }

    /**
     * @param schedulerName the cluster's name: the same on every node (camel.main.name)
     * @param threads       Quartz worker threads
     */
    public static Scheduler create(DataSource dataSource, String schedulerName, int threads) throws SchedulerException {
        // The provider name is per node: DBConnectionManager is JVM-wide, and two nodes in one JVM (tests) must not
        // share a pool.
        String providerName = "edgesync-" + UUID.randomUUID();
        DBConnectionManager.getInstance().addConnectionProvider(providerName, new PoolConnectionProvider(dataSource));

        Properties props = new Properties();
        props.setProperty("org.quartz.scheduler.instanceName", schedulerName);
        props.setProperty("org.quartz.scheduler.instanceId", "AUTO");
        props.setProperty("org.quartz.scheduler.skipUpdateCheck", "true");
        props.setProperty("org.quartz.threadPool.threadCount", String.valueOf(threads));
        props.setProperty("org.quartz.threadPool.threadNamePrefix", "edgesync-quartz");
        props.setProperty("org.quartz.jobStore.class", "org.quartz.impl.jdbcjobstore.JobStoreTX");
        props.setProperty("org.quartz.jobStore.driverDelegateClass", "org.quartz.impl.jdbcjobstore.PostgreSQLDelegate");
        props.setProperty("org.quartz.jobStore.dataSource", providerName);
        props.setProperty("org.quartz.jobStore.tablePrefix", Migrations.SCHEMA + ".qrtz_");
        props.setProperty("org.quartz.jobStore.isClustered", "true");
        props.setProperty("org.quartz.jobStore.clusterCheckinInterval", "5000");
        props.setProperty("org.quartz.jobStore.acquireTriggersWithinLock", "true");
        // after PostgreSQL was away, retry the job store every 2 s (default 15 s) so loading resumes promptly
        props.setProperty("org.quartz.jobStore.dbRetryInterval", "2000");

        Scheduler scheduler = new StdSchedulerFactory(props).getScheduler();
        // Quartz keeps schedulers in a JVM-wide repository by name and would hand this one to a second node in the
        // same JVM; take it out so each node has its own scheduler, as it would in its own JVM.
        SchedulerRepository.getInstance().remove(schedulerName);
        return scheduler;
    }

    /** Lends connections of the node's Hikari pool to Quartz; the pool is closed by its owner, not by Quartz. */
    private record PoolConnectionProvider(DataSource dataSource) implements ConnectionProvider {

        @Override
        public Connection getConnection() throws SQLException {
            return dataSource.getConnection();
        }

        @Override
        public void shutdown() {
            // the pool outlives the scheduler
        }

        @Override
        public void initialize() {
            // nothing to set up
        }
    }
}
