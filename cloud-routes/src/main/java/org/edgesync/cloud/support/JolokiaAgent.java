package org.edgesync.cloud.support;

import org.jolokia.jvmagent.JolokiaServer;
import org.jolokia.jvmagent.JolokiaServerConfig;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The node's Jolokia endpoint (JMX over HTTP, for Hawtio): the Jolokia JVM agent started in-process, bound to one
 * address (127.0.0.1 by default), with basic authentication and the access policy of
 * {@code cloud/jolokia-access.xml} (read-only, plus the dump operations Hawtio needs for route diagrams).
 */
public final class JolokiaAgent implements AutoCloseable {

    private final JolokiaServer server;

    private JolokiaAgent(JolokiaServer server) {
        this.server = server;
    }

    public static JolokiaAgent start(String host, int port, String user, String password, Path policyFile) {
        Map<String, String> config = new HashMap<>();
        config.put("host", host);
        config.put("port", String.valueOf(port));
        config.put("agentContext", "/jolokia");
        config.put("user", user);
        config.put("password", password);
        config.put("authMode", "basic");
        config.put("realm", "edgesync");
        config.put("policyLocation", policyFile.toAbsolutePath().normalize().toUri().toString());
        config.put("discoveryEnabled", "false");
        config.put("includeStackTrace", "false");
        config.put("serializeException", "false");
        try {
            JolokiaServer server = new JolokiaServer(new JolokiaServerConfig(config));
            server.start();
            return new JolokiaAgent(server);
        } catch (IOException | RuntimeException e) {
            throw new InvalidSettingException("edgesync.jolokia.host/port is " + host + ":" + port
                    + " but Jolokia cannot listen there: " + e.getMessage() + ".");
        }
    }

    public String url() {
        return server.getUrl();
    }

    @Override
    public void close() {
        try {
            server.stop();
        } catch (IllegalStateException shuttingDown) {
            // JolokiaServer.stop() first removes its JVM shutdown hook, which the JVM refuses during SIGTERM
            // ("Shutdown in progress"); that hook stops the server then. The node's Quartz and pool still close.
        }
    }
}
