package org.edgesync.edge;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The edge as a separate JVM, launched from the runnable jar ({@code target/edgesync-edge.jar}, built
 * by the package phase before failsafe runs) with the real route-config, so it can be halted like a
 * power cut and restarted on the same SQLite file and broker data dir. Its stdout and stderr go to
 * files in the given directory.
 */
final class EdgeProcess implements AutoCloseable {

    static final Path JAR = Path.of("target", "edgesync-edge.jar");

    private final Process process;
    private final Path stderr;

    private EdgeProcess(Process process, Path stderr) {
        this.process = process;
        this.stderr = stderr;
    }

    /** Starts {@code java -D... -jar edgesync-edge.jar}; the name labels the log files. */
    static EdgeProcess start(Path dir, String name, Map<String, String> properties) throws IOException {
        return start(dir, name, properties, Map.of());
    }

    /** As {@link #start(Path, String, Map)}, with extra environment variables (secrets go there, not on the command line). */
    static EdgeProcess start(Path dir, String name, Map<String, String> properties, Map<String, String> environment) throws IOException {
        return start(dir, name, properties, environment, List.of());
    }

    /** As {@link #start(Path, String, Map, Map)}, with JVM options after the shipped ones (EdgeJvm.OPTIONS). */
    static EdgeProcess start(Path dir, String name, Map<String, String> properties, Map<String, String> environment,
                             List<String> jvmOptions) throws IOException {
        if (!Files.isRegularFile(JAR)) {
            throw new IllegalStateException(JAR.toAbsolutePath() + " is missing: run mvn -pl edge-routes package (verify does)");
        }
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(EdgeJvm.OPTIONS);
        command.addAll(jvmOptions);
        command.add("-Dedgesync.config.dir=" + EdgeRuntime.CONFIG_DIR.toAbsolutePath().normalize());
        command.add("-Dcamel.main.jmx-enabled=false");
        if (!properties.containsKey("camel.management.port")) {
            command.add("-Dcamel.management.port=" + FreePorts.next());
        }
        properties.forEach((key, value) -> command.add("-D" + key + "=" + value));
        command.add("-jar");
        command.add(JAR.toAbsolutePath().toString());
        Path out = dir.resolve(name + ".out");
        Path err = dir.resolve(name + ".err");
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        builder.environment().keySet().removeIf(k -> k.startsWith("EDGESYNC_"));
        builder.environment().putAll(EdgeJvm.ENVIRONMENT);
        builder.environment().putAll(environment);
        Process process = builder.start();
        return new EdgeProcess(process, err);
    }

    /** Exit status, or an AssertionError naming the log when it did not exit in time. */
    int awaitExit(Duration timeout) throws Exception {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("edge did not exit within " + timeout + "; stderr in " + stderr);
        }
        return process.exitValue();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Everything the process wrote to stdout and stderr so far. */
    String output() throws IOException {
        Path out = stderr.resolveSibling(stderr.getFileName().toString().replaceAll("\\.err$", ".out"));
        return Files.readString(out, StandardCharsets.UTF_8) + Files.readString(stderr, StandardCharsets.UTF_8);
    }

    List<String> stderrLines() throws IOException {
        return Files.readAllLines(stderr, StandardCharsets.UTF_8);
    }

    Path stderrFile() {
        return stderr;
    }

    /** SIGTERM, so Camel shuts down in order; SIGKILL if it takes longer than 60 s. */
    @Override
    public void close() throws Exception {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
    }
}
