package org.edgesync.hawtio;

import org.edgesync.cloud.testing.FreePorts;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code ops/hawtio} started as an operator starts it, in its own JVM (the console's class path only: the war's Jolokia
 * and logging must not meet the test's), on a free port, with the password in its environment.
 */
final class ConsoleProcess implements AutoCloseable {

    static final Path HOME = Path.of(System.getProperty("edgesync.home", "../..")).toAbsolutePath().normalize();

    private final Process process;
    private final int port;
    private final Path log;

    private ConsoleProcess(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    static ConsoleProcess start(String password, Path log, String... options) throws IOException, InterruptedException {
        int port = FreePorts.next();
        List<String> command = new ArrayList<>(List.of(HOME.resolve("ops/hawtio").toString(), "--port", String.valueOf(port)));
        command.addAll(List.of(options));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("EDGESYNC_JOLOKIA_PASSWORD", password);
        ConsoleProcess console = new ConsoleProcess(builder.start(), port, log);
        console.awaitListening(Duration.ofSeconds(120));
        return console;
    }

    /** Ready once it printed where to open it, after it listens and has asked each endpoint for its version. */
    private void awaitListening(Duration timeout) {
        org.awaitility.Awaitility.await("ops/hawtio ready").atMost(timeout).pollInterval(Duration.ofMillis(200))
                .untilAsserted(() -> {
                    String output = Files.readString(log);
                    if (!process.isAlive()) {
                        throw new IllegalStateException("ops/hawtio stopped during start: " + output);
                    }
                    org.assertj.core.api.Assertions.assertThat(output).as("ops/hawtio's output").contains("Ctrl-C stops it.");
                });
    }

    int port() {
        return port;
    }

    String url() {
        return "http://127.0.0.1:" + port + "/";
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }
}
