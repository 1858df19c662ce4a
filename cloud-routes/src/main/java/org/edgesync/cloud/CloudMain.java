package org.edgesync.cloud;

import org.apache.camel.main.Main;

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
        int exitCode = create(Path.of(System.getProperty("edgesync.config.dir", "route-config"))).run(args);
        if (exitCode != 0) {
            System.exit(exitCode);
        }
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
