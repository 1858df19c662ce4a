package org.edgesync.hawtio;

import jakarta.servlet.DispatcherType;
import org.eclipse.jetty.server.Server;
import org.slf4j.simple.SimpleServiceProvider;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ContextHandlerCollection;
import org.eclipse.jetty.servlet.FilterHolder;
import org.eclipse.jetty.servlet.ServletContextHandler;
import org.eclipse.jetty.servlet.ServletHolder;
import org.eclipse.jetty.webapp.ClassMatcher;
import org.eclipse.jetty.webapp.WebAppContext;

import java.util.EnumSet;
import java.util.stream.Collectors;

/**
 * Jetty serving Hawtio's war at {@code /hawtio} and {@link ConnectionsPage} at {@code /}, with
 * {@link JolokiaCredentialsFilter} in front of Hawtio's proxy.
 */
public final class ConsoleServer implements AutoCloseable {

    private final Server server;
    private final ServerConnector connector;

    private ConsoleServer(Server server, ServerConnector connector) {
        this.server = server;
        this.connector = connector;
    }

    public static ConsoleServer start(ConsoleSettings settings) throws Exception {
        configureHawtio(settings);
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost(settings.host().getHostAddress());
        connector.setPort(settings.port());
        server.addConnector(connector);

        WebAppContext hawtio = new WebAppContext();
        hawtio.setContextPath("/hawtio");
        hawtio.setWar(settings.war().toAbsolutePath().toString());
        hawtio.setThrowUnavailableOnStartupException(true);
        // The war brings its own logging (slf4j with log4j); the launcher's slf4j-simple would confuse it.
        hawtio.addServerClassMatcher(new ClassMatcher("org.slf4j.",
                SimpleServiceProvider.class.getProtectionDomain().getCodeSource().getLocation().toString()));
        hawtio.addFilter(new FilterHolder(new LocalJolokiaRefusal()), "/jolokia/*", EnumSet.of(DispatcherType.REQUEST));
        hawtio.addFilter(new FilterHolder(new JolokiaCredentialsFilter(settings.targets(), settings.user(),
                settings.password(), settings.host().isLoopbackAddress())), "/proxy/*", EnumSet.of(DispatcherType.REQUEST));

        ServletContextHandler front = new ServletContextHandler();
        front.setContextPath("/");
        front.addServlet(new ServletHolder(new ConnectionsPage(settings.targets())), "/");

        server.setHandler(new ContextHandlerCollection(hawtio, front));
        server.setStopAtShutdown(true);
        try {
            server.start();
        } catch (Exception e) {
            server.stop();
            throw e;
        }
        return new ConsoleServer(server, connector);
    }

    /**
     * Hawtio reads its settings from system properties. No login of its own (the console is for the operator of this
     * machine, and every endpoint's Jolokia is read-only), and its proxy may reach the configured endpoints only.
     */
    private static void configureHawtio(ConsoleSettings settings) {
        System.setProperty("hawtio.authenticationEnabled", "false");
        System.setProperty("hawtio.disableProxy", "false");
        System.setProperty("hawtio.localAddressProbing", "false");
        System.setProperty("hawtio.proxyAllowlist", settings.targets().stream()
                .map(JolokiaTarget::host).distinct().collect(Collectors.joining(",")));
    }

    public int port() {
        return connector.getLocalPort();
    }

    public void join() throws InterruptedException {
        server.join();
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }
}
