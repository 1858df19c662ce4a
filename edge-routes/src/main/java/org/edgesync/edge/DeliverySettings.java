package org.edgesync.edge;

/**
 * The validated settings that trade latency and throughput of the edge against load on the cloud: how soon
 * the first poll runs, how many batches are sent to the cloud at once, and the longest wait between two
 * attempts of a batch the cloud did not take. Messages name the key, the value and what is allowed.
 */
public record DeliverySettings(long pollInitialDelayMs, int batchesInFlight, long maxRedeliveryDelayMs) {

    /** Most batches in flight: each holds a JMS session, a transaction and an HTTP connection. */
    static final int MAX_BATCHES_IN_FLIGHT = 8;

    /** The first redelivery delay of edgesync-broker.xml; the cap must not be below it. */
    static final long FIRST_REDELIVERY_DELAY_MS = 1000;

    /** Validates raw property values. */
    public static DeliverySettings of(String pollInitialDelayMs, String batchesInFlight, String maxRedeliveryDelayMs) {
        return new DeliverySettings(
                EdgeSettings.number("edgesync.poll.initial.delay.ms", pollInitialDelayMs, 0, 3_600_000),
                (int) EdgeSettings.number("edgesync.forward.batches.in.flight", batchesInFlight, 1, MAX_BATCHES_IN_FLIGHT),
                EdgeSettings.number("edgesync.broker.max.redelivery.delay.ms", maxRedeliveryDelayMs,
                        FIRST_REDELIVERY_DELAY_MS, 3_600_000));
    }
}
