package org.edgesync.cloud.testing;

import org.apache.camel.CamelContext;
import org.apache.camel.main.Main;
import org.edgesync.cloud.CloudMain;

import java.net.URI;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A real cloud node in the test JVM, wired exactly like {@code java -jar edgesync-cloud.jar}: {@link CloudMain},
 * the real cloud.properties, routes and mappings from route-config, with the database and free ports as
 * override properties.
 */
public final class CloudNode implements AutoCloseable {

    /** route-config of the source tree, seen from a module directory. */
    public static final Path CONFIG_DIR = Path.of(System.getProperty("edgesync.config.dir", "../route-config"));

    private final Main main;
    private final int port;
    private final int managementPort;
    private final String scheme;

    private CloudNode(Main main, int port, int managementPort, String scheme) {
        this.main = main;
        this.port = port;
        this.managementPort = managementPort;
        this.scheme = scheme;
    }

    /** Starts a node on the database with a load every second. */
    public static CloudNode start(TestDatabase db) {
        return start(db, Map.of());
    }

    public static CloudNode start(TestDatabase db, Map<String, String> extraProperties) {
        int port = FreePorts.next();
        int managementPort = FreePorts.next();
        Map<String, String> props = new LinkedHashMap<>();
        props.put("edgesync.db.url", db.jdbcUrl());
        props.put("edgesync.db.user", db.user());
        props.put("edgesync.db.password", db.password());
        props.put("edgesync.db.pool.max.size", "4");
        props.put("edgesync.load.cron", "* * * * * ?");
        props.put("camel.server.port", String.valueOf(port));
        props.put("camel.management.port", String.valueOf(managementPort));
        props.put("camel.main.jmxEnabled", "false");
        props.put("edgesync.auth.master.key", Fixtures.MASTER_KEY_BASE64);
        // plain HTTP and no practical rate limit unless a test asks for them: most tests are about other things
        props.put("edgesync.tls.enabled", "false");
        props.put("edgesync.jolokia.enabled", "false");
        props.put("edgesync.ingest.rate.batches.per.s", "100000");
        props.put("edgesync.ingest.rate.burst", "100000");
        props.putAll(extraProperties);
        Main main = CloudMain.create(CONFIG_DIR);
        props.forEach(main::addOverrideProperty);
        try {
            main.start();
        } catch (RuntimeException e) {
            main.stop();
            throw e;
        }
        return new CloudNode(main, port, managementPort,
                Boolean.parseBoolean(props.get("edgesync.tls.enabled")) ? "https" : "http");
    }

    public URI ingestUri(String deviceId) {
        return URI.create(scheme + "://127.0.0.1:" + port + "/api/v1/devices/" + deviceId + "/batches");
    }

    public URI managementUri(String path) {
        return URI.create("http://127.0.0.1:" + managementPort + path);
    }

    public CamelContext camelContext() {
        return main.getCamelContext();
    }

    @Override
    public void close() {
        main.stop();
    }
}
