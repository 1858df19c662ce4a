package org.edgesync.cloud.ingest;

/**
 * A batch the cloud refuses; the message is safe to show to the device (no secrets, no stack trace).
 * The HTTP status of each subclass is decided in route-config/cloud/routes/cloud-error-handling.camel.yaml.
 * Refusals carry no cause on purpose: Camel matches onException clauses from the innermost cause outwards, so a
 * wrapped InvalidBatchException or SQLException would pick the wrong status.
 */
public abstract class IngestRefusedException extends RuntimeException {

    protected IngestRefusedException(String message) {
        super(message);
    }
}
