package org.edgesync.cloud;

import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.main.Main;
import org.edgesync.routes.RouteRules;
import org.edgesync.routes.StartupFailure;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.Optional;

/**
 * Starts a cloud node: properties from {@code <config dir>/cloud/cloud.properties}, routes from
 * {@code <config dir>/cloud/routes/*.camel.yaml}; the config dir is system property {@code edgesync.config.dir}
 * (default {@code route-config}). System properties and environment variables override the file.
 */
public final class CloudMain {

    /** Exit status when the configuration stops startup (a bad setting, route file, mapping or table). */
    public static final int CONFIGURATION_ERROR = 2;

    private static final Logger LOG = LoggerFactory.getLogger(CloudMain.class);

    private CloudMain() {
    }

    public static void main(String[] args) throws Exception {
        int exitCode = run(create(Path.of(System.getProperty("edgesync.config.dir", "route-config"))), args);
        if (exitCode != 0) {
            System.exit(exitCode);
        }
    }

    /**
     * Runs until shutdown; when startup fails, logs one sentence naming what to fix (the stack trace only at DEBUG
     * for a configuration mistake: a stack trace would only bury the sentence) and returns
     * {@value #CONFIGURATION_ERROR}, or 1 for any other failure.
     */
    public static int run(Main main, String[] args) {
        try {
            return main.run(args);
        } catch (Exception e) {
            Optional<String> mistake = StartupFailure.explain(e, main.getCamelContext());
            if (mistake.isPresent()) {
                LOG.error("EdgeSync cloud cannot start: {}", mistake.get());
                LOG.debug("Startup failure", e);
            } else {
                LOG.error("EdgeSync cloud cannot start: {}", StartupFailure.sentence(e, main.getCamelContext()), e);
            }
            try {
                main.stop();
            } catch (RuntimeException stopFailure) {
                LOG.debug("Stopping after the failed start", stopFailure);
            }
            return mistake.isPresent() ? CONFIGURATION_ERROR : 1;
        }
    }

    /** The node's Camel Main, not yet started; tests add override properties before starting it. */
    public static Main create(Path configDir) {
        Main main = new Main();
        main.addInitialProperty("edgesync.config.dir", configDir.toString());
        main.setPropertyPlaceholderLocations("file:" + configDir.resolve("cloud").resolve("cloud.properties"));
        main.configure().withRoutesIncludePattern("file:" + configDir.resolve("cloud").resolve("routes") + "/*.camel.yaml");
        main.configure().addConfiguration(new CamelConfiguration() {
            @Override
            public void configure(CamelContext context) {
                RouteRules.install(context);
            }
        });
        main.configure().addConfiguration(new CloudConfiguration());
        return main;
    }
}
