package org.edgesync.ops;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A runtime (edge or cloud) started as its own JVM, the way it runs on real hardware. */
public final class ManagedProcess implements AutoCloseable {

    private final String name;
    private final Process process;
    private final Path log;

    private ManagedProcess(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    /**
     * @param jar        the runnable jar
     * @param jvmOptions heap and GC flags
     * @param properties passed as -D system properties, which override the runtime's properties file
     * @param environment secrets go here rather than on the command line, where {@code ps} shows them
     * @param log        where stdout and stderr go
     */
    public static ManagedProcess start(String name, Path jar, List<String> jvmOptions, Map<String, String> properties,
                                       Map<String, String> environment, Path log) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(javaBinary());
        command.addAll(jvmOptions);
        properties.forEach((key, value) -> command.add("-D" + key + "=" + value));
        command.add("-jar");
        command.add(jar.toString());
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().putAll(environment);
        Process process = builder
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        return new ManagedProcess(name, process, log);
    }

    private static String javaBinary() {
        return ProcessHandle.current().info().command().orElse("java");
    }

    public String name() {
        return name;
    }

    public Path log() {
        return log;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public long pid() {
        return process.pid();
    }

    /** Asks for a graceful stop (SIGTERM: Camel Main shuts down its routes and the broker). */
    public void stop(Duration grace) throws InterruptedException {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** kill -9: no shutdown hook, no flush, no goodbye - a power cut as far as the process can tell. */
    public void kill() throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** Waits for the process to end by itself; its exit status, or -1 when it is still running. */
    public int awaitExit(Duration timeout) throws InterruptedException {
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) ? process.exitValue() : -1;
    }

    @Override
    public void close() throws InterruptedException {
        stop(Duration.ofSeconds(20));
    }
}
