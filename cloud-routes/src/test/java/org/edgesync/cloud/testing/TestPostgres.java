package org.edgesync.cloud.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.postgresql.PGProperty;
import org.postgresql.ds.PGSimpleDataSource;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.postgresql.PostgreSQLContainer;

import javax.sql.DataSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.Properties;
import java.util.UUID;

/**
 * Picks the PostgreSQL that tests run against, and hands out a fresh database per use:
 * <ol>
 *   <li>system property {@value #URL_PROPERTY} or env {@value #URL_ENV}: a JDBC URL of an admin
 *       database with credentials in the URL (CI and fast local runs);</li>
 *   <li>else Testcontainers PostgreSQL when a Docker engine answers;</li>
 *   <li>else a zonky embedded PostgreSQL, started once per JVM.</li>
 * </ol>
 * Every database is named {@code edgesync_it_<random>} and dropped (with force) on close.
 */
public final class TestPostgres {

    public static final String URL_PROPERTY = "edgesync.test.pg.url";
    public static final String URL_ENV = "EDGESYNC_TEST_PG_URL";

    private static Server server;

    private TestPostgres() {
    }

    public static TestDatabase newDatabase() {
        return server().create("edgesync_it_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16));
    }

    /** The admin database of the chosen server, for tests that need to act on a test database from outside. */
    public static DataSource adminDataSource() {
        Server s = server();
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setUrl(s.adminUrl());
        ds.setUser(s.user());
        ds.setPassword(s.password());
        return ds;
    }

    /** Which server the databases come from, for test logs. */
    public static synchronized String describe() {
        return server().description;
    }

    private static synchronized Server server() {
        if (server == null) {
            server = chooseServer();
        }
        return server;
    }

    private static Server chooseServer() {
        String url = System.getProperty(URL_PROPERTY);
        if (url == null || url.isBlank() || url.startsWith("${")) {
            url = System.getenv(URL_ENV);
        }
        if (url != null && !url.isBlank()) {
            return Server.fromAdminUrl(url.trim(), "external server " + redact(url.trim()));
        }
        if (dockerAvailable()) {
            PostgreSQLContainer container = new PostgreSQLContainer("postgres:15-alpine");
            container.start();
            Runtime.getRuntime().addShutdownHook(new Thread(container::stop));
            return Server.fromParts(container.getJdbcUrl(), container.getUsername(), container.getPassword(),
                    "Testcontainers " + container.getJdbcUrl());
        }
        try {
            EmbeddedPostgres embedded = EmbeddedPostgres.builder().start();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    embedded.close();
                } catch (IOException ignored) {
                    // the JVM is exiting; the data directory is temporary anyway
                }
            }));
            return Server.fromParts(embedded.getJdbcUrl("postgres", "postgres"), "postgres", "",
                    "embedded PostgreSQL on port " + embedded.getPort());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the embedded PostgreSQL", e);
        }
    }

    private static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (Throwable e) {
            return false;
        }
    }

    private static String redact(String url) {
        return url.replaceAll("(?i)(password=)[^&]*", "$1***");
    }

    /** An admin connection to a server, able to create and drop databases. */
    private record Server(String adminUrl, String user, String password, String description) {

        static Server fromAdminUrl(String url, String description) {
            Properties props = org.postgresql.Driver.parseURL(url, new Properties());
            if (props == null) {
                throw new IllegalArgumentException(URL_PROPERTY + " is not a PostgreSQL JDBC URL: " + redact(url));
            }
            String user = props.getProperty(PGProperty.USER.getName(), System.getProperty("user.name"));
            String password = props.getProperty(PGProperty.PASSWORD.getName(), "");
            return new Server(url, user, password, description);
        }

        static Server fromParts(String url, String user, String password, String description) {
            return new Server(url, user, password, description);
        }

        TestDatabase create(String name) {
            execute("CREATE DATABASE " + name);
            String url = urlFor(name);
            return new TestDatabase(url, user, password,
                    () -> execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"));
        }

        /** The admin URL pointed at another database, credentials moved out of the URL. */
        private String urlFor(String database) {
            Properties props = org.postgresql.Driver.parseURL(adminUrl, new Properties());
            StringBuilder url = new StringBuilder("jdbc:postgresql://");
            String[] hosts = props.getProperty(PGProperty.PG_HOST.getName()).split(",");
            String[] ports = props.getProperty(PGProperty.PG_PORT.getName()).split(",");
            for (int i = 0; i < hosts.length; i++) {
                url.append(i == 0 ? "" : ",").append(hosts[i]).append(':').append(ports[i]);
            }
            url.append('/').append(database);
            return url.toString();
        }

        private void execute(String sql) {
            PGSimpleDataSource ds = new PGSimpleDataSource();
            ds.setUrl(adminUrl);
            ds.setUser(user);
            ds.setPassword(password);
            try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
                s.execute(sql);
            } catch (SQLException e) {
                throw new IllegalStateException(sql.toLowerCase(Locale.ROOT).startsWith("create")
                        ? "cannot create a test database on " + description + ": " + e.getMessage()
                        : "cannot drop a test database on " + description + ": " + e.getMessage(), e);
            }
        }
    }
}
