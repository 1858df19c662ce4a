package org.edgesync.cloud.ingest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import org.edgesync.contract.InvalidBatchException;

/** JSON error bodies for refused requests: the message of a known refusal, never a stack trace. */
public final class ErrorBodies {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private ErrorBodies() {
    }

    /** {"error": message} for refusals and invalid batches; a fixed text for anything unexpected. */
    public static String json(Throwable error) {
        String message = error instanceof IngestRefusedException || error instanceof InvalidBatchException
                ? error.getMessage()
                : "internal error";
        return json(message);
    }

    public static String json(String message) {
        try {
            return MAPPER.writeValueAsString(JsonNodeFactory.instance.objectNode().put("error", message));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
