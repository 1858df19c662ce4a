package org.edgesync.edge;

import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.main.Main;
import org.apache.camel.main.MainConfigurationProperties;
import org.edgesync.routes.RouteRules;
import org.edgesync.routes.StartupFailure;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.Optional;

/** Starts the edge runtime: {@code java -Dedgesync.config.dir=route-config -jar edgesync-edge.jar}. */
public final class EdgeMain {

    /** Exit status when the configuration stops startup (a bad setting, route file or table). */
    public static final int CONFIGURATION_ERROR = 2;

    private static final Logger LOG = LoggerFactory.getLogger(EdgeMain.class);

    private EdgeMain() {
    }

    public static void main(String[] args) throws Exception {
        Path configDir = Path.of(System.getProperty("edgesync.config.dir", "route-config"));
        Main main = new Main();
        // System properties and environment variables still override this file (Camel's default).
        main.setPropertyPlaceholderLocations(propertiesLocation(configDir));
        configure(main.configure(), configDir);
        System.exit(run(main, args));
    }

    /**
     * Runs until shutdown; when startup fails, logs one sentence naming what to fix (the stack trace only at DEBUG
     * for a configuration mistake) and returns {@value #CONFIGURATION_ERROR}, or 1 for any other failure.
     */
    static int run(Main main, String[] args) {
        try {
            return main.run(args);
        } catch (Exception e) {
            Optional<String> mistake = StartupFailure.explain(e, main.getCamelContext());
            if (mistake.isPresent()) {
                LOG.error("EdgeSync edge cannot start: {}", mistake.get());
                LOG.debug("Startup failure", e);
            } else {
                LOG.error("EdgeSync edge cannot start: {}", StartupFailure.sentence(e, main.getCamelContext()), e);
            }
            stopQuietly(main);
            return mistake.isPresent() ? CONFIGURATION_ERROR : 1;
        }
    }

    private static void stopQuietly(Main main) {
        try {
            main.stop();
        } catch (RuntimeException e) {
            LOG.debug("Stopping after the failed start", e);
        }
    }

    /** The edge properties of a configuration directory as a Camel placeholder location. */
    public static String propertiesLocation(Path configDir) {
        return "file:" + configDir.toAbsolutePath().normalize().resolve("edge/edge.properties");
    }

    /** Routes and the one configuration instance; shared with the tests so they boot what ships. */
    public static void configure(MainConfigurationProperties configuration, Path configDir) {
        configuration.withRoutesIncludePattern("file:" + configDir.toAbsolutePath().normalize().resolve("edge/routes") + "/*.camel.yaml");
        configuration.addConfiguration(new CamelConfiguration() {
            @Override
            public void configure(CamelContext context) {
                RouteRules.install(context);
            }
        });
        configuration.addConfiguration(new EdgeConfiguration(configDir.toAbsolutePath().normalize()));
    }
}
