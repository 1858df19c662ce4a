package org.edgesync.hawtio;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * What {@code ops/hawtio} was asked for: where the console listens, which Hawtio war it serves, and the Jolokia
 * endpoints it connects to with one user and password (the password only from the environment).
 */
public record ConsoleSettings(InetAddress host, int port, Path war, String user, String password,
                              List<JolokiaTarget> targets) {

    public static final String PASSWORD_ENV = "EDGESYNC_JOLOKIA_PASSWORD";
    public static final String DEFAULT_EDGE = "http://127.0.0.1:8778/jolokia/";
    public static final String DEFAULT_CLOUD = "http://127.0.0.1:8788/jolokia/";

    static final String USAGE = """
            usage: ops/hawtio [--port N] [--host ADDRESS] [--edge URL] [--cloud URL] [--connect NAME=URL ...]
                              [--user USER] [--war FILE]
              --port     port of the console (default 8090)
              --host     address it listens on (default 127.0.0.1: only this machine)
              --edge     the edge's Jolokia (default %s)
              --cloud    the cloud node's Jolokia (default %s; on the node itself 8778 is the default,
                         so forward it, e.g. ssh -L 8788:127.0.0.1:8778 cloud-host)
              --connect  one more endpoint, e.g. cloud-2=http://127.0.0.1:8780/jolokia/ (repeatable)
              --user     the Jolokia user of every endpoint (default edgesync-ops)
              --war      the Hawtio war (default: hawtio-default.war beside the console's jar)
            The Jolokia password comes from the environment variable %s.
            """.formatted(DEFAULT_EDGE, DEFAULT_CLOUD, PASSWORD_ENV);

    /** Parses the command line; the environment supplies the password. */
    public static ConsoleSettings parse(List<String> args, Function<String, String> env, Path defaultWar) {
        Map<String, String> options = new LinkedHashMap<>();
        List<JolokiaTarget> extra = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String option = args.get(i);
            if (!List.of("--port", "--host", "--edge", "--cloud", "--connect", "--user", "--war").contains(option)) {
                throw new IllegalArgumentException("Unknown option \"" + option + "\".");
            }
            if (i + 1 >= args.size()) {
                throw new IllegalArgumentException(option + " needs a value.");
            }
            String value = args.get(++i);
            if (option.equals("--connect")) {
                extra.add(JolokiaTarget.parse(value));
            } else {
                options.put(option, value);
            }
        }
        String portText = options.getOrDefault("--port", "8090");
        int port;
        try {
            port = Integer.parseInt(portText);
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("--port is \"" + portText + "\", but must be a whole number from 0 to 65535.");
        }
        String hostText = options.getOrDefault("--host", "127.0.0.1");
        InetAddress host;
        try {
            host = InetAddress.getByName(hostText);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("--host is \"" + hostText + "\", but must be an address of this machine.");
        }
        String password = env.apply(PASSWORD_ENV);
        if (password == null || password.isBlank()) {
            throw new IllegalArgumentException("The environment variable " + PASSWORD_ENV + " is not set, but must hold"
                    + " the Jolokia password of the edge and the cloud.");
        }
        String user = options.getOrDefault("--user", "edgesync-ops");
        if (!user.matches("[A-Za-z0-9_.@-]{1,64}")) {
            throw new IllegalArgumentException("--user is \"" + user + "\", but must be 1-64 letters, digits, _ . @ -.");
        }
        Path war = Path.of(options.getOrDefault("--war", defaultWar == null ? "" : defaultWar.toString()));
        if (!Files.isRegularFile(war)) {
            throw new IllegalArgumentException("The Hawtio war \"" + war + "\" does not exist: build the console with"
                    + " mvn -pl ops/hawtio-console -am package -DskipTests, or give --war FILE.");
        }
        List<JolokiaTarget> targets = new ArrayList<>();
        targets.add(JolokiaTarget.of("edge", options.getOrDefault("--edge", DEFAULT_EDGE)));
        targets.add(JolokiaTarget.of("cloud", options.getOrDefault("--cloud", DEFAULT_CLOUD)));
        targets.addAll(extra);
        if (targets.stream().map(JolokiaTarget::name).distinct().count() != targets.size()) {
            throw new IllegalArgumentException("Two connections have the same name: each --connect NAME must be new"
                    + " (edge and cloud are taken).");
        }
        return new ConsoleSettings(host, port, war, user, password.trim(), List.copyOf(targets));
    }

    @Override
    public String toString() {
        return "ConsoleSettings[" + host.getHostAddress() + ":" + port + ", war=" + war + ", user=" + user
                + ", password=(not shown), targets=" + targets + "]";
    }
}
