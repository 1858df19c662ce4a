package org.edgesync.edge;

import org.apache.camel.CamelContext;
import org.apache.camel.main.Main;

import java.net.URI;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** The edge runtime booted exactly as EdgeMain boots it, from the real route-config directory. */
public final class EdgeRuntime implements AutoCloseable {

    public static final Path CONFIG_DIR = Path.of("..", "route-config");

    private final Main main;
    private final int managementPort;

    private EdgeRuntime(Main main, int managementPort) {
        this.main = main;
        this.managementPort = managementPort;
    }

    /** Starts with edge.properties, overridden by the given properties (as -D would). */
    public static EdgeRuntime start(Map<String, String> overrides) throws Exception {
        Main main = new Main();
        main.setPropertyPlaceholderLocations(EdgeMain.propertiesLocation(CONFIG_DIR));
        EdgeMain.configure(main.configure(), CONFIG_DIR);
        // A free management port (/observe/...), so edges of several tests or builds never compete for the default.
        Map<String, String> properties = new HashMap<>();
        properties.put("camel.management.port", String.valueOf(FreePorts.next()));
        properties.putAll(overrides);
        properties.forEach(main::addOverrideProperty);
        main.start();
        return new EdgeRuntime(main, Integer.parseInt(properties.get("camel.management.port")));
    }

    /** A URL on the management server, e.g. {@code /observe/metrics}. */
    public URI managementUri(String path) {
        return URI.create("http://127.0.0.1:" + managementPort + path);
    }

    public CamelContext context() {
        return main.getCamelContext();
    }

    @Override
    public void close() throws Exception {
        main.stop();
    }
}
