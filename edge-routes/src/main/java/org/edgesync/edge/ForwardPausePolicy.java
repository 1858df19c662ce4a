package org.edgesync.edge;

import org.apache.camel.Exchange;
import org.apache.camel.Route;
import org.apache.camel.throttling.ThrottlingExceptionRoutePolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * Camel's circuit breaker route policy, pausing the forward route after failed attempts in a row, made safe for a
 * route with several concurrent consumers.
 * <ul>
 * <li>Two consumers whose attempts fail together both opened the circuit: the second open restarted the clock and
 * armed a second half-open timer, and the first timer, firing a few milliseconds before the clock allowed, found the
 * circuit too young to try and cancelled the second timer on its way out (they share one field), so forwarding never
 * resumed (seen in CloudOutageIT with two batches in flight). Here opening an open circuit is a no-op, and the state
 * changes run one at a time.</li>
 * <li>Camel counts failures until the circuit closes, whatever succeeded in between; here a success ends the run,
 * so only failures in a row pause forwarding, and a sporadic 503 now and then never does.</li>
 * <li>A pause and its end are logged once each (WARN, INFO), not every probe.</li>
 * </ul>
 */
final class ForwardPausePolicy extends ThrottlingExceptionRoutePolicy {

    private static final Logger LOG = LoggerFactory.getLogger(ForwardPausePolicy.class);
    private static final String CLOSED = "closed";
    private static final String OPENED = "opened";

    /**
     * @param failures failed attempts in a row that pause forwarding
     * @param pauseMs  time between two probes while paused; also how long a failure counts, so a probe that gets
     *                 through a pause of that length resumes forwarding
     */
    ForwardPausePolicy(int failures, long pauseMs) {
        super(failures, pauseMs, pauseMs, List.of());
    }

    @Override
    public void onExchangeDone(Route route, Exchange exchange) {
        super.onExchangeDone(route, exchange);
        if (exchange.getException() == null && getFailures() > 0 && CLOSED.equals(getStateAsString())) {
            closeCircuit(route); // resets the count: the failures before this success were not in a row with the next
        }
    }

    @Override
    protected synchronized void openCircuit(Route route) {
        String before = getStateAsString();
        if (OPENED.equals(before)) {
            return;
        }
        super.openCircuit(route);
        if (CLOSED.equals(before)) {
            LOG.warn("Forwarding paused: {} attempts in a row failed; one batch per consumer is tried every {} ms until"
                    + " one gets through", getFailureThreshold(), getHalfOpenAfter());
        }
    }

    @Override
    protected synchronized void halfOpenCircuit(Route route) {
        super.halfOpenCircuit(route);
    }

    @Override
    protected synchronized void closeCircuit(Route route) {
        String before = getStateAsString();
        super.closeCircuit(route);
        if (!CLOSED.equals(before)) {
            LOG.info("Forwarding resumed: a batch got through");
        }
    }
}
