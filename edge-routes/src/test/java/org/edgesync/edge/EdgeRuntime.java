package org.edgesync.edge;

import org.apache.camel.CamelContext;
import org.apache.camel.main.Main;

import java.nio.file.Path;
import java.util.Map;

/** The edge runtime booted exactly as EdgeMain boots it, from the real route-config directory. */
public final class EdgeRuntime implements AutoCloseable {

    public static final Path CONFIG_DIR = Path.of("..", "route-config");

    private final Main main;

    private EdgeRuntime(Main main) {
        this.main = main;
    }

    /** Starts with edge.properties, overridden by the given properties (as -D would). */
    public static EdgeRuntime start(Map<String, String> overrides) throws Exception {
        Main main = new Main();
        main.setPropertyPlaceholderLocations(EdgeMain.propertiesLocation(CONFIG_DIR));
        EdgeMain.configure(main.configure(), CONFIG_DIR);
        overrides.forEach(main::addOverrideProperty);
        main.start();
        return new EdgeRuntime(main);
    }

    public CamelContext context() {
        return main.getCamelContext();
    }

    @Override
    public void close() throws Exception {
        main.stop();
    }
}
