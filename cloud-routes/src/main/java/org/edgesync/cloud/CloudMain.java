package org.edgesync.cloud;

import org.apache.camel.main.Main;
import org.edgesync.cloud.mapping.MappingException;
import org.edgesync.cloud.support.InvalidSettingException;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;

/**
 * Starts a cloud node: properties from {@code <config dir>/cloud/cloud.properties}, routes from
 * {@code <config dir>/cloud/routes/*.camel.yaml}; the config dir is system property {@code edgesync.config.dir}
 * (default {@code route-config}). System properties and environment variables override the file.
 */
public final class CloudMain {

    private CloudMain() {
    }

    public static void main(String[] args) throws Exception {
        int exitCode;
        try {
            exitCode = create(Path.of(System.getProperty("edgesync.config.dir", "route-config"))).run(args);
        } catch (RuntimeException e) {
            Throwable operatorError = operatorError(e);
            if (operatorError == null) {
                throw e;
            }
            // a configuration mistake: the sentence says what to fix, a stack trace would only bury it
            LoggerFactory.getLogger(CloudMain.class).error("EdgeSync cloud cannot start: {}", operatorError.getMessage());
            exitCode = 2;
        }
        if (exitCode != 0) {
            System.exit(exitCode);
        }
    }

    private static Throwable operatorError(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof InvalidSettingException || t instanceof MappingException) {
                return t;
            }
        }
        return null;
    }

    /** The node's Camel Main, not yet started; tests add override properties before starting it. */
    public static Main create(Path configDir) {
        Main main = new Main();
        main.addInitialProperty("edgesync.config.dir", configDir.toString());
        main.setPropertyPlaceholderLocations("file:" + configDir.resolve("cloud").resolve("cloud.properties"));
        main.configure().withRoutesIncludePattern("file:" + configDir.resolve("cloud").resolve("routes") + "/*.camel.yaml");
        main.configure().addConfiguration(new CloudConfiguration());
        return main;
    }
}
