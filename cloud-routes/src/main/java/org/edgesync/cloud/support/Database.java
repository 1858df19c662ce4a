package org.edgesync.cloud.support;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.pool.HikariPool;

/** The PostgreSQL connection pool of a cloud node or an operator command. */
public final class Database {

    /**
     * Run on every new pooled connection. A 200 to a device or a loader commit must mean "on disk": a server (or
     * role, or database) configured with synchronous_commit=off would acknowledge commits that a power loss can
     * still take back, after the device already forgot the batch.
     */
    public static final String CONNECTION_INIT_SQL = "SET synchronous_commit = on";

    private Database() {
    }

    /**
     * @throws InvalidSettingException when PostgreSQL cannot be reached with the URL and user
     */
    public static HikariDataSource openPool(String poolName, String url, String user, String password, int poolSize) {
        HikariConfig config = new HikariConfig();
        config.setPoolName(poolName);
        config.setJdbcUrl(url);
        config.setUsername(user);
        config.setPassword(password);
        config.setMaximumPoolSize(poolSize);
        // ingest answers 503 after this long without a connection, and the device resends later
        config.setConnectionTimeout(5_000);
        config.setConnectionInitSql(CONNECTION_INIT_SQL);
        config.addDataSourceProperty("reWriteBatchedInserts", "true");
        config.addDataSourceProperty("ApplicationName", poolName);
        try {
            return new HikariDataSource(config);
        } catch (HikariPool.PoolInitializationException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new InvalidSettingException("edgesync.db.url is \"" + Settings.redactUrl(url) + "\" with edgesync.db.user \""
                    + user + "\" but PostgreSQL cannot be reached with them: " + cause.getMessage(), e);
        }
    }
}
