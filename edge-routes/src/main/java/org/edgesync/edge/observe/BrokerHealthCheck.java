package org.edgesync.edge.observe;

import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;
import org.edgesync.artemis.EdgeBroker;

import java.util.Map;
import java.util.function.Supplier;

/**
 * Readiness of the embedded broker: without it no batch can be journaled or forwarded. Not a liveness check: the
 * changes stay in the shop's change table meanwhile, and a restart would not bring a broken journal back.
 */
public final class BrokerHealthCheck extends AbstractHealthCheck {

    private final Supplier<EdgeBroker> broker;

    public BrokerHealthCheck(Supplier<EdgeBroker> broker) {
        super("edgesync", "edgesync-broker");
        this.broker = broker;
    }

    @Override
    public boolean isLiveness() {
        return false;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        EdgeBroker current = broker.get();
        if (current == null || !current.isStarted()) {
            builder.message("The embedded broker is not running: batches can be neither journaled nor forwarded").down();
            return;
        }
        try {
            builder.detail("queue.depth", current.messageCount(EdgeBroker.BATCH_QUEUE));
            builder.detail("dlq.depth", current.messageCount(EdgeBroker.DEAD_LETTER_QUEUE));
            builder.up();
        } catch (RuntimeException e) {
            builder.message("The embedded broker cannot report its queues: " + e.getMessage()).error(e).down();
        }
    }
}
