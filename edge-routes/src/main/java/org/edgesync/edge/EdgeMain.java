package org.edgesync.edge;

import org.apache.camel.main.Main;
import org.apache.camel.main.MainConfigurationProperties;

import java.nio.file.Path;

/** Starts the edge runtime: {@code java -Dedgesync.config.dir=route-config -jar edgesync-edge.jar}. */
public final class EdgeMain {

    private EdgeMain() {
    }

    public static void main(String[] args) throws Exception {
        Path configDir = Path.of(System.getProperty("edgesync.config.dir", "route-config"));
        Main main = new Main();
        // System properties and environment variables still override this file (Camel's default).
        main.setPropertyPlaceholderLocations(propertiesLocation(configDir));
        configure(main.configure(), configDir);
        System.exit(main.run(args));
    }

    /** The edge properties of a configuration directory as a Camel placeholder location. */
    public static String propertiesLocation(Path configDir) {
        return "file:" + configDir.toAbsolutePath().normalize().resolve("edge/edge.properties");
    }

    /** Routes and the one configuration instance; shared with the tests so they boot what ships. */
    public static void configure(MainConfigurationProperties configuration, Path configDir) {
        configuration.withRoutesIncludePattern("file:" + configDir.toAbsolutePath().normalize().resolve("edge/routes") + "/*.camel.yaml");
        configuration.addConfiguration(new EdgeConfiguration(configDir.toAbsolutePath().normalize()));
    }
}
