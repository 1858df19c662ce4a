package org.edgesync.cloud.observe;

import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;

/**
 * Readiness of the node's PostgreSQL: without it ingest answers 503 and the loader waits, so a load balancer should
 * send devices to another node. Not a liveness check: restarting the node does not bring the database back. Takes at
 * most the pool's connection timeout (5 s) when the database does not answer.
 */
public final class DatabaseHealthCheck extends AbstractHealthCheck {

    private final DataSource dataSource;

    public DatabaseHealthCheck(DataSource dataSource) {
        super("edgesync", "edgesync-database");
        this.dataSource = dataSource;
    }

    @Override
    public boolean isLiveness() {
        return false;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        try (Connection c = dataSource.getConnection()) {
            if (c.isValid(2)) {
                builder.up();
            } else {
                builder.message("PostgreSQL does not answer on a pooled connection").down();
            }
        } catch (SQLException | RuntimeException e) {
            builder.message("PostgreSQL is unavailable: " + e.getMessage()).error(e).down();
        }
    }
}
