package org.edgesync.edge.observe;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.edgesync.edge.EdgeTelemetry;

import java.util.function.LongSupplier;
import java.util.function.ToDoubleFunction;

/**
 * The edge's state as gauges: the change table (through {@link ChangeTableReader}, one cached read for all of them),
 * the depths of the batch queue and the dead-letter queue (the broker's in-memory counts), and the oldest unsent
 * age computed like the telemetry the edge sends to the cloud. A figure that cannot be read is NaN, never a stale
 * or made-up number.
 */
public final class EdgeMetrics implements MeterBinder {

    private final ChangeTableReader changeTable;
    private final EdgeTelemetry telemetry;
    private final LongSupplier queueDepth;

    /**
     * @param queueDepth messages in edgesync.batches, including those in delivery and scheduled for redelivery
     */
    public EdgeMetrics(ChangeTableReader changeTable, EdgeTelemetry telemetry, LongSupplier queueDepth) {
        this.changeTable = changeTable;
        this.telemetry = telemetry;
        this.queueDepth = queueDepth;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder("edgesync.edge.change.backlog", this, fromTable(s -> s.backlog()))
                .description("Captured changes waiting in the change table _edgesync_changes (not yet in the broker)")
                .register(registry);
        Gauge.builder("edgesync.edge.oldest.unsent.age", this,
                        fromTable(s -> telemetry.oldestUnsentMs(s.oldestCapturedAt()) / 1000.0))
                .description("Age of the oldest change still in the change table, by the device clock; 0 when empty")
                .baseUnit("seconds")
                .register(registry);
        FunctionCounter.builder("edgesync.edge.changes.captured", this, fromTable(s -> s.capturedTotal()))
                .description("Changes captured by the triggers since capture was installed (the change table's seq)")
                .register(registry);
        Gauge.builder("edgesync.edge.queue.depth", this, m -> read(m.queueDepth))
                .description("Batches in the broker queue edgesync.batches waiting for the cloud, including redeliveries")
                .register(registry);
        Gauge.builder("edgesync.edge.dlq.depth", this, m -> {
                    Long depth = m.telemetry.dlqDepth();
                    return depth == null ? Double.NaN : depth;
                })
                .description("Batches the cloud refused for good, in edgesync.batches.dlq for an operator")
                .register(registry);
    }

    private static ToDoubleFunction<EdgeMetrics> fromTable(ToDoubleFunction<ChangeTableStats> figure) {
        return m -> {
            ChangeTableStats stats = m.changeTable.current();
            return stats == null ? Double.NaN : figure.applyAsDouble(stats);
        };
    }

    private static double read(LongSupplier supplier) {
        try {
            return supplier.getAsLong();
        } catch (RuntimeException e) {
            return Double.NaN;
        }
    }
}
