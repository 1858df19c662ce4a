package org.edgesync.hawtio;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code ops/hawtio}: starts the Hawtio console connected to the edge's and the cloud's Jolokia and prints where to
 * open it. Exit status 2 with one sentence on stderr when an option or the environment is wrong.
 */
public final class HawtioConsole {

    private HawtioConsole() {
    }

    public static void main(String[] args) throws Exception {
        List<String> arguments = List.of(args);
        if (arguments.contains("--help") || arguments.contains("-h")) {
            System.out.print(ConsoleSettings.USAGE);
            return;
        }
        ConsoleSettings settings;
        try {
            settings = ConsoleSettings.parse(arguments, System::getenv, defaultWar());
        } catch (IllegalArgumentException e) {
            System.err.println("ops/hawtio: " + e.getMessage() + " (ops/hawtio --help lists the options)");
            System.exit(2);
            return;
        }
        ConsoleServer server;
        try {
            server = ConsoleServer.start(settings);
        } catch (IOException e) {
            System.err.println("ops/hawtio: cannot listen on " + settings.host().getHostAddress() + ":" + settings.port()
                    + " (" + e.getMessage() + "): choose another --port.");
            System.exit(2);
            return;
        }
        printWhere(System.out, settings, server.port());
        server.join();
    }

    static void printWhere(PrintStream out, ConsoleSettings settings, int port) {
        String base = "http://" + (settings.host().isLoopbackAddress() ? "127.0.0.1" : settings.host().getHostAddress())
                + ":" + port + "/";
        out.println("EdgeSync Hawtio console at " + base + " (user " + settings.user() + " for every endpoint)");
        EndpointCheck check = new EndpointCheck(settings.user(), settings.password());
        for (JolokiaTarget target : settings.targets()) {
            out.printf("  %-8s %s?open=%s   -> %s: %s%n", target.name(), base, target.name(), target.url(),
                    check.describe(target));
        }
        out.println("Ctrl-C stops it.");
    }

    /** hawtio-default.war beside the jar this class was loaded from (target/ of the module). */
    private static Path defaultWar() {
        try {
            Path jar = Path.of(HawtioConsole.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return jar.getParent().resolve("hawtio-default.war");
        } catch (URISyntaxException | RuntimeException e) {
            return null;
        }
    }
}
