package org.edgesync.edge;

import org.apache.camel.throttling.ThrottlingExceptionRoutePolicy;

/**
 * When the forward route stops taking batches because the cloud keeps failing. The broker's redelivery delay holds
 * back only the batch that failed, so during an outage the route would otherwise take the next batch, and the next,
 * knocking on the cloud for every queued batch in turn, and Artemis keeps every batch it read back from its page
 * files and rolled back in the heap until it is delivered again: a million-change outage grew the edge's heap by
 * 17 MB that way. After {@code failures} failed attempts in a row the route's JMS consumer is suspended (a circuit
 * breaker: Camel's {@link ThrottlingExceptionRoutePolicy}, as {@link ForwardPausePolicy}); every {@code pauseMs} one
 * batch per consumer is let through, and the first that gets through resumes forwarding. Nothing is lost while paused: the batches stay
 * journaled. Answers that are not failures (2xx, a 400/422 moved to the DLQ, a 429/503 with Retry-After) do not count.
 */
public record ForwardPause(int failures, long pauseMs) {

    /** Validates raw property values; messages name the key, the value and what is allowed. */
    public static ForwardPause of(String failures, String pauseMs) {
        return new ForwardPause(
                (int) EdgeSettings.number("edgesync.forward.pause.after.failures", failures, 1, 1000),
                EdgeSettings.number("edgesync.forward.pause.ms", pauseMs, 100, 3_600_000));
    }

    /** The route policy of the forward route; a pause and its end are logged (WARN, INFO). */
    public ThrottlingExceptionRoutePolicy routePolicy() {
        return new ForwardPausePolicy(failures, pauseMs);
    }
}
