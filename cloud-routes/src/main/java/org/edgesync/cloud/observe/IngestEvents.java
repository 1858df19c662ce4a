package org.edgesync.cloud.observe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.Exchange;
import org.apache.camel.spi.CamelEvent;
import org.apache.camel.support.EventNotifierSupport;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Counts the answers of the ingest route from Camel's exchange events, so the route needs no metric steps: batches by
 * HTTP status (200 accepted, every refusal by its status), and the changes of accepted batches, new or duplicates
 * (a resend), from the 200 body {@code {"accepted":n,"duplicates":m}}.
 */
public final class IngestEvents extends EventNotifierSupport {

    static final String INGEST_ROUTE = "ingest-batches";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final MeterRegistry registry;
    private final Counter changesAccepted;
    private final Counter changesDuplicate;
    private final Map<String, Counter> batches = new ConcurrentHashMap<>();

    public IngestEvents(MeterRegistry registry) {
        this.registry = registry;
        changesAccepted = Counter.builder("edgesync.cloud.ingest.changes.accepted")
                .description("Changes staged for the first time by accepted batches")
                .register(registry);
        changesDuplicate = Counter.builder("edgesync.cloud.ingest.changes.duplicate")
                .description("Changes of accepted batches that were staged already (a device resent them)")
                .register(registry);
        setIgnoreCamelContextEvents(true);
        setIgnoreCamelContextInitEvents(true);
        setIgnoreRouteEvents(true);
        setIgnoreServiceEvents(true);
        setIgnoreStepEvents(true);
        setIgnoreExchangeCreatedEvent(true);
        setIgnoreExchangeSendingEvents(true);
        setIgnoreExchangeSentEvents(true);
        setIgnoreExchangeRedeliveryEvents(true);
        setIgnoreExchangeAsyncProcessingStartedEvents(true);
    }

    @Override
    public boolean isEnabled(CamelEvent event) {
        return event instanceof CamelEvent.ExchangeCompletedEvent || event instanceof CamelEvent.ExchangeFailedEvent;
    }

    @Override
    public void notify(CamelEvent event) {
        Exchange exchange = ((CamelEvent.ExchangeEvent) event).getExchange();
        if (!INGEST_ROUTE.equals(exchange.getFromRouteId())) {
            return;
        }
        Integer status = exchange.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, Integer.class);
        if (event instanceof CamelEvent.ExchangeFailedEvent || status == null) {
            status = 500;
        }
        batches(Integer.toString(status)).increment();
        if (status == 200) {
            try {
                JsonNode body = JSON.readTree(exchange.getMessage().getBody(String.class));
                changesAccepted.increment(body.path("accepted").asLong());
                changesDuplicate.increment(body.path("duplicates").asLong());
            } catch (Exception e) {
                // the batch was staged all the same; only its change counts are lost to the metrics
            }
        }
    }

    private Counter batches(String status) {
        return batches.computeIfAbsent(status, s -> Counter.builder("edgesync.cloud.ingest.batches")
                .description("Batch requests answered, by HTTP status: 200 staged, 4xx refused, 503 resend later")
                .tag("status", s)
                .register(registry));
    }
}
