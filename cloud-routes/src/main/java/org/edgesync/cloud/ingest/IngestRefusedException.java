package org.edgesync.cloud.ingest;

/**
 * A batch the cloud refuses; the message is safe to show to the device (no secrets, no stack trace).
 * The HTTP status of each subclass is decided in route-config/cloud/routes/cloud-error-handling.camel.yaml.
 */
public abstract class IngestRefusedException extends RuntimeException {

    protected IngestRefusedException(String message) {
        super(message);
    }

    protected IngestRefusedException(String message, Throwable cause) {
        super(message, cause);
    }
}
