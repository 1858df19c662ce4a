package org.edgesync.edge.observe;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.Exchange;
import org.apache.camel.spi.CamelEvent;
import org.apache.camel.support.EventNotifierSupport;
import org.edgesync.artemis.EdgeBroker;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Counts what the edge routes do with batches, from Camel's exchange events, so the routes need no metric steps:
 * a batch journaled by {@code poll-changes}, each POST of {@code forward-batches} with the cloud's answer, a batch
 * moved to the dead-letter queue, and each failed delivery attempt, which the broker redelivers.
 */
public final class DeliveryEvents extends EventNotifierSupport {

    static final String POLL_ROUTE = "poll-changes";
    static final String FORWARD_ROUTE = "forward-batches";

    private final MeterRegistry registry;
    private final Counter batchesPublished;
    private final Counter changesPublished;
    private final Counter batchesSent;
    private final Counter batchesAcked;
    private final Counter batchesDeadLettered;
    private final Counter redeliveries;
    private final Map<String, Counter> responses = new ConcurrentHashMap<>();

    public DeliveryEvents(MeterRegistry registry) {
        this.registry = registry;
        batchesPublished = Counter.builder("edgesync.edge.batches.published")
                .description("Batches written to the broker journal (queue edgesync.batches) by poll-changes")
                .register(registry);
        changesPublished = Counter.builder("edgesync.edge.changes.published")
                .description("Changes in those batches; their rows were then deleted from the change table")
                .register(registry);
        batchesSent = Counter.builder("edgesync.edge.batches.sent")
                .description("POST attempts of a batch to the cloud, first tries and redeliveries")
                .register(registry);
        batchesAcked = Counter.builder("edgesync.edge.batches.acked")
                .description("Batches the cloud answered with 2xx: staged in the cloud, removed from the queue")
                .register(registry);
        batchesDeadLettered = Counter.builder("edgesync.edge.batches.dead.lettered")
                .description("Batches the cloud refused for good (400, 422), moved to edgesync.batches.dlq")
                .register(registry);
        redeliveries = Counter.builder("edgesync.edge.redeliveries")
                .description("Failed delivery attempts rolled back to the broker, which redelivers them with backoff")
                .register(registry);
        setIgnoreCamelContextEvents(true);
        setIgnoreCamelContextInitEvents(true);
        setIgnoreRouteEvents(true);
        setIgnoreServiceEvents(true);
        setIgnoreStepEvents(true);
        setIgnoreExchangeCreatedEvent(true);
        setIgnoreExchangeRedeliveryEvents(true);
        setIgnoreExchangeAsyncProcessingStartedEvents(true);
    }

    /**
     * Camel emits the sent event of a {@code to} only when a notifier took its sending event, so the sending events of
     * the two routes are taken (and ignored) too.
     */
    @Override
    public boolean isEnabled(CamelEvent event) {
        if (event instanceof CamelEvent.ExchangeSendingEvent || event instanceof CamelEvent.ExchangeSentEvent) {
            String route = ((CamelEvent.ExchangeEvent) event).getExchange().getFromRouteId();
            return POLL_ROUTE.equals(route) || FORWARD_ROUTE.equals(route);
        }
        return event instanceof CamelEvent.ExchangeFailedEvent;
    }

    @Override
    public void notify(CamelEvent event) {
        if (event instanceof CamelEvent.ExchangeSentEvent sent) {
            onSent(sent.getExchange(), sent.getEndpoint().getEndpointUri());
        } else if (event instanceof CamelEvent.ExchangeFailedEvent failed
                && FORWARD_ROUTE.equals(failed.getExchange().getFromRouteId())) {
            redeliveries.increment();
        }
    }

    private void onSent(Exchange exchange, String uri) {
        String route = exchange.getFromRouteId();
        if (POLL_ROUTE.equals(route)) {
            if (isQueue(uri, EdgeBroker.BATCH_QUEUE) && exchange.getException() == null) {
                batchesPublished.increment();
                Integer changes = exchange.getMessage().getHeader("EdgeSyncChangeCount", Integer.class);
                changesPublished.increment(changes == null ? 0 : changes);
            }
        } else if (FORWARD_ROUTE.equals(route)) {
            if (uri.startsWith("http")) {
                batchesSent.increment();
                Integer status = exchange.getException() == null
                        ? exchange.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, Integer.class) : null;
                response(status == null ? "none" : Integer.toString(status)).increment();
                if (status != null && status >= 200 && status < 300) {
                    batchesAcked.increment();
                }
            } else if (isQueue(uri, EdgeBroker.DEAD_LETTER_QUEUE) && exchange.getException() == null) {
                batchesDeadLettered.increment();
            }
        }
    }

    /** jms:queue:NAME with or without options, and not a queue whose name merely starts with NAME. */
    private static boolean isQueue(String uri, String queue) {
        String bare = uri.replaceFirst("^jms:(//)?(queue:)?", "");
        int options = bare.indexOf('?');
        return (options < 0 ? bare : bare.substring(0, options)).equals(queue);
    }

    private Counter response(String status) {
        return responses.computeIfAbsent(status, s -> Counter.builder("edgesync.edge.cloud.responses")
                .description("Answers of the cloud to batch POSTs by HTTP status; none = no answer (refused, timeout, TLS)")
                .tag("status", s)
                .register(registry));
    }
}
