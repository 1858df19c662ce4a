package org.edgesync.edge.security;

import org.jolokia.jvmagent.JolokiaServer;
import org.jolokia.jvmagent.JolokiaServerConfig;
import org.jolokia.server.core.config.SystemPropertyMode;
import org.jolokia.server.core.restrictor.RestrictorFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The edge's Jolokia endpoint for Hawtio and monitoring: the JVM agent's own small HTTP server (the JDK's,
 * no servlet container), basic authentication, and the access policy of {@code jolokia-access.xml}, which
 * allows reads and only the read-only Camel dump operations. Off unless a password is configured.
 *
 * <p>Jolokia falls back to "allow everything" when its policy file is missing, so the policy is loaded and
 * checked here before the server starts: a missing or broken policy stops startup instead.
 */
public final class JolokiaAgent {

    private static final Pattern USER = Pattern.compile("[A-Za-z0-9_.@-]{1,64}");

    private final InetAddress host;
    private final int port;
    private final String user;
    private final String password;
    private final Path policy;
    private JolokiaServer server;

    private JolokiaAgent(InetAddress host, int port, String user, String password, Path policy) {
        this.host = host;
        this.port = port;
        this.user = user;
        this.password = password;
        this.policy = policy;
    }

    /** Validated settings, or null when Jolokia is off (no password). Messages never show the password. */
    public static JolokiaAgent of(String host, String port, String user, String password, Path policy) {
        if (password == null || password.isEmpty()) {
            return null;
        }
        InetAddress address;
        try {
            address = InetAddress.getByName(host == null || host.isBlank() ? "!" : host.trim());
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("edgesync.jolokia.host is \"" + host + "\", but must be an IP address or"
                    + " host name of this device, e.g. 127.0.0.1.");
        }
        int parsedPort;
        try {
            parsedPort = Integer.parseInt(port == null ? "" : port.trim());
        } catch (NumberFormatException e) {
            parsedPort = -1;
        }
        if (parsedPort < 0 || parsedPort > 65535) {
            throw new IllegalArgumentException("edgesync.jolokia.port is \"" + port + "\", but must be a whole number from"
                    + " 0 to 65535 (0: any free port).");
        }
        if (user == null || !USER.matcher(user.trim()).matches()) {
            throw new IllegalArgumentException("edgesync.jolokia.user is \"" + user + "\", but must be 1-64 letters, digits,"
                    + " _ . @ - when EDGESYNC_JOLOKIA_PASSWORD is set.");
        }
        if (password.length() < 12) {
            throw new IllegalArgumentException("edgesync.jolokia.password (EDGESYNC_JOLOKIA_PASSWORD) is too short (value not"
                    + " shown), but must have at least 12 characters.");
        }
        Path file = policy.toAbsolutePath().normalize();
        try {
            if (!Files.isRegularFile(file) || RestrictorFactory.lookupPolicyRestrictor(file.toUri().toString()) == null) {
                throw new IllegalArgumentException("The Jolokia access policy " + file + " is missing, but must exist when"
                        + " EDGESYNC_JOLOKIA_PASSWORD is set (without it Jolokia would allow every operation).");
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof IllegalArgumentException iae && iae.getMessage().startsWith("The Jolokia access policy")) {
                throw iae;
            }
            throw new IllegalArgumentException("The Jolokia access policy " + file + " cannot be read, but must be a valid"
                    + " Jolokia restrictor file: " + e.getMessage());
        }
        return new JolokiaAgent(address, parsedPort, user.trim(), password, file);
    }

    /** Starts the HTTP server; returns once it listens. */
    public synchronized void start() throws IOException {
        if (server != null) {
            return;
        }
        Map<String, String> config = new HashMap<>();
        config.put("host", host.getHostAddress());
        config.put("port", Integer.toString(port));
        config.put("agentContext", "/jolokia");
        config.put("user", user);
        config.put("password", password);
        config.put("authMode", "basic");
        config.put("policyLocation", policy.toUri().toString());
        config.put("discoveryEnabled", "false");
        config.put("debug", "false");
        config.put("includeStackTrace", "false");
        config.put("serializeException", "false");
        config.put("executor", "single");
        // No -Djolokia.* property may loosen what is configured here.
        JolokiaServer started = new JolokiaServer(new JolokiaServerConfig(config, SystemPropertyMode.NEVER));
        started.start(false);
        server = started;
    }

    /** The URL the agent serves, e.g. http://127.0.0.1:8778/jolokia/. */
    public synchronized String url() {
        return server == null ? null : server.getUrl();
    }

    public synchronized int boundPort() {
        return server == null ? -1 : server.getAddress().getPort();
    }

    public synchronized void stop() {
        if (server != null) {
            try {
                server.stop();
            } catch (IllegalStateException shuttingDown) {
                // JolokiaServer.stop() first removes its JVM shutdown hook, which the JVM refuses during SIGTERM
                // ("Shutdown in progress"); that hook stops the server then. Don't let it break the edge's stop chain.
            }
            server = null;
        }
    }

    public InetAddress host() {
        return host;
    }

    public String user() {
        return user;
    }

    public Path policy() {
        return policy;
    }

    @Override
    public String toString() {
        return "JolokiaAgent[" + host.getHostAddress() + ":" + port + ", user=" + user + ", password=(not shown), policy=" + policy + "]";
    }
}
