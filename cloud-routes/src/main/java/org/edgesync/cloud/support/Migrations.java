package org.edgesync.cloud.support;

import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Runs the Flyway migrations at startup, before any route: EdgeSync's own schema {@value #SCHEMA} from the
 * classpath, then the operator's target tables from the config directory. The two have separate history
 * tables, so the operator's V1, V2… never collide with EdgeSync's.
 */
public final class Migrations {

    public static final String SCHEMA = "edgesync";
    /** History of EdgeSync's own migrations (classpath db/migration). */
    public static final String OWN_HISTORY = "flyway_schema_history";
    /** History of the operator's target-table migrations (cloud/sql in the config directory). */
    public static final String TARGET_HISTORY = "target_schema_history";

    private static final Logger LOG = LoggerFactory.getLogger(Migrations.class);

    private Migrations() {
    }

    public static void migrate(DataSource dataSource, Path targetSqlDir) {
        Flyway.configure()
                .dataSource(dataSource)
                .schemas(SCHEMA)
                .table(OWN_HISTORY)
                .locations("classpath:db/migration")
                .load()
                .migrate();
        if (!Files.isDirectory(targetSqlDir)) {
            LOG.info("No target-table migrations: {} is not a directory", targetSqlDir.toAbsolutePath().normalize());
            return;
        }
        // The history lives in schema edgesync, which is not empty by now: baseline at 0 so the operator's V1 runs.
        Flyway.configure()
                .dataSource(dataSource)
                .schemas(SCHEMA)
                .table(TARGET_HISTORY)
                .baselineOnMigrate(true)
                .baselineVersion("0")
                .baselineDescription("EdgeSync schema present, target migrations start at V1")
                .locations("filesystem:" + targetSqlDir.toAbsolutePath().normalize())
                .load()
                .migrate();
    }
}
