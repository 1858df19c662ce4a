package org.edgesync.edge;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * How the edge JVM is started on a device, in one place for every launcher (the ops demo, fault suite and
 * benchmark, the tests that run the jar; the systemd unit repeats them). Sized for two slow cores and a
 * resident set of at most 160 MB: the heap is capped at 64 MB, and the rest of the process (class metadata,
 * JIT code, thread stacks, direct buffers, malloc arenas) is kept small on purpose, because by default it
 * costs more than the heap does.
 */
public final class EdgeJvm {

    /** JVM options, in the order they go on the command line. */
    public static final List<String> OPTIONS = List.of(
            // The heap: Camel, Artemis and the HTTP client keep about 30 MB live, a batch of 5,000 changes
            // adds some 10 MB while it is assembled; 64 MB leaves room for 10,000 (the most a batch may
            // hold). Every MB given to the heap ends up resident: the GC touches all of it.
            "-Xms16m", "-Xmx64m",
            // One GC thread and no remembered sets: the least memory and CPU for a heap this size.
            "-XX:+UseSerialGC",
            // C1 only: compiles quickly at start (first poll sooner) and keeps the code cache and the
            // compiler threads' memory small; C2's peak speed is not what two slow cores need.
            "-XX:TieredStopAtLevel=1", "-XX:ReservedCodeCacheSize=32m",
            // Bounded class metadata: about 45 MB is used; a leak fails fast instead of growing forever.
            "-XX:MaxMetaspaceSize=80m",
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
