package org.edgesync.edge;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * How the edge JVM is started on a device, in one place for every launcher (the ops demo, fault suite and
 * benchmark, the tests that run the jar; the systemd unit repeats them). Sized for two slow cores and a
 * resident set of at most 160 MB: the heap is capped at 64 MB and sized to what is live below that, and the rest
 * of the process (class metadata, JIT code, thread stacks, direct buffers, malloc arenas) is kept small on
 * purpose, because by default it costs more than the heap does.
 */
public final class EdgeJvm {

    /** JVM options, in the order they go on the command line. */
    public static final List<String> OPTIONS = List.of(
            // The heap: Camel, Artemis and the HTTP client keep about 22 MB live; a batch of 5,000 changes
            // raises that to 30-36 MB while it is polled, assembled and sent, one of 10,000 (the most a batch
            // may hold) to 47 MB, which is why the cap stays at 64 MB. Every MB the heap holds ends up resident
            // (the GC touches all of it), so it is not left at the cap: see the free ratios below. It starts at
            // 32 MB, about what the start needs: grown from 16 MB in steps of 10 % it took 8 full GCs to boot.
            "-Xms32m", "-Xmx64m",
            // Size the heap to what is live, not to the cap: grow only when less than 10 % is free after a
            // collection, give memory back (uncommit) when more than 30 % is. A device syncing batches of 5,000
            // then holds ~50 MB instead of 64 MB, with no more full GCs than a fixed 64 MB heap had before the
            // Netty arenas below were switched off; a batch of 10,000 still grows the heap to the cap.
            "-XX:MinHeapFreeRatio=10", "-XX:MaxHeapFreeRatio=30",
            // A young generation of 8 MB instead of a third of the heap: every collection sweeps all of it, so it
            // is all resident (19 MB by default). 12 MB held RSS at the 160 MB line (159.7-160.8 MB in the bench);
            // 8 MB gives 157 MB for about 930 young collections instead of 635 and 16 full ones instead of 10 in
            // the bench's edge phase (a young one takes about 1 ms, a full one 30-90 ms).
            "-Xmn8m",
            // One GC thread and no remembered sets: the least memory and CPU for a heap this size.
            "-XX:+UseSerialGC",
            // C1 only: compiles quickly at start (first poll sooner) and keeps the code cache and the
            // compiler threads' memory small; C2's peak speed is not what two slow cores need.
            "-XX:TieredStopAtLevel=1", "-XX:ReservedCodeCacheSize=32m",
            // One compiler thread (there are two cores, and the routes need them), compiling only methods
            // called five times as often as the default asks: JIT code 10 -> 6 MB and less compiler
            // memory; the hot paths of the poll and forward routes are compiled all the same.
            "-XX:CICompilerCount=1", "-XX:CompileThresholdScaling=5",
            // Bounded class metadata: about 45 MB is used; a leak fails fast instead of growing forever.
            "-XX:MaxMetaspaceSize=80m",
            // Thread stacks of 256 KiB instead of 1 MiB; Camel routes do not recurse deeply.
            "-Xss256k",
            // Artemis's in-VM transport and Netty allocate direct buffers; bounded and not pooled.
            "-XX:MaxDirectMemorySize=32m", "-Dio.netty.allocator.type=unpooled",
            // ...and not pooled where a library asks for Netty's pooled allocator by name (Artemis's
            // ActiveMQBuffers for every message, Vert.x for the management server's connections): without
            // arenas it allocates unpooled. The pooled arenas kept two 4 MB chunks live on the heap.
            "-Dio.netty.allocator.numHeapArenas=0", "-Dio.netty.allocator.numDirectArenas=0",
            // The management server only listens on a configured address; Vert.x's own (Netty) DNS resolver
            // is not needed, the JDK's resolves anything else.
            "-Dvertx.disableDnsResolver=true",
            // A device restarts the service rather than limping on after an OutOfMemoryError.
            "-XX:+ExitOnOutOfMemoryError");

    /**
     * Environment of the edge process: glibc gives every thread that mallocs its own 64 MB arena by default,
     * and the native parts (sqlite, zlib, the JIT) of a JVM with dozens of threads touch many of them.
     */
    public static final Map<String, String> ENVIRONMENT = Map.of("MALLOC_ARENA_MAX", "2");

    private EdgeJvm() {
    }

    /**
     * Application class-data sharing (AppCDS) for a start of the edge jar: with an archive of the classes an
     * earlier run loaded, the JVM maps them instead of reading, parsing and verifying some 9,000 classes,
     * which is most of the time to the first poll. Java 17 cannot create the archive on the fly (JDK 19's
     * -XX:+AutoCreateSharedArchive does), so: when {@code archive} is missing or older than the jar, this
     * run writes it when it exits normally (SIGTERM included, not a kill -9 or a crash); otherwise this run
     * uses it. A stale or unreadable archive is skipped silently by the JVM, never fatal.
     */
    public static List<String> classDataSharing(Path archive, Path jar) {
        try {
            if (Files.isRegularFile(archive) && Files.getLastModifiedTime(archive).compareTo(Files.getLastModifiedTime(jar)) > 0) {
                return List.of("-XX:SharedArchiveFile=" + archive, "-Xlog:cds=off,cds+dynamic=off");
            }
            Files.deleteIfExists(archive);
        } catch (IOException e) {
            // no archive then: the edge starts as it would without one
        }
        return List.of("-XX:ArchiveClassesAtExit=" + archive, "-Xlog:cds=off,cds+dynamic=off");
    }
}
