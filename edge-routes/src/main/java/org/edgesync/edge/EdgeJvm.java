package org.edgesync.edge;

import java.util.List;
import java.util.Map;

/**
 * How the edge JVM is started on a device, in one place for every launcher (the ops demo, fault suite and
 * benchmark, the tests that run the jar; the systemd unit repeats them). Sized for two slow cores and a
 * resident set of at most 160 MB: the heap is capped at 96 MB, and the rest of the process (class metadata,
 * JIT code, thread stacks, direct buffers, malloc arenas) is kept small on purpose, because by default it
 * costs more than the heap does.
 */
public final class EdgeJvm {

    /** JVM options, in the order they go on the command line. */
    public static final List<String> OPTIONS = List.of(
            // The heap: batches of up to 10,000 changes plus Camel, Artemis and the HTTP client fit in 96 MB;
            // starting small lets an idle device stay small.
            "-Xms16m", "-Xmx96m",
            // One GC thread and no remembered sets: the least memory and CPU for a heap this size.
            "-XX:+UseSerialGC",
            // C1 only: compiles quickly at start (first poll sooner) and keeps the code cache and the
            // compiler threads' memory small; C2's peak speed is not what two slow cores need.
            "-XX:TieredStopAtLevel=1", "-XX:ReservedCodeCacheSize=32m",
            // Bounded class metadata: about 50 MB is used; a leak fails fast instead of growing forever.
            "-XX:MaxMetaspaceSize=96m",
            // Thread stacks of 256 KiB instead of 1 MiB; Camel routes do not recurse deeply.
            "-Xss256k",
            // Artemis's in-VM transport and Netty allocate direct buffers; bounded and not pooled.
            "-XX:MaxDirectMemorySize=32m", "-Dio.netty.allocator.type=unpooled",
            // A device restarts the service rather than limping on after an OutOfMemoryError.
            "-XX:+ExitOnOutOfMemoryError");

    /**
     * Environment of the edge process: glibc gives every thread that mallocs its own 64 MB arena by default,
     * and the native parts (sqlite, zlib, the JIT) of a JVM with dozens of threads touch many of them.
     */
    public static final Map<String, String> ENVIRONMENT = Map.of("MALLOC_ARENA_MAX", "2");

    private EdgeJvm() {
    }
}
