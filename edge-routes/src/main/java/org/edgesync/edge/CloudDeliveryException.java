package org.edgesync.edge;

/**
 * The cloud did not take a batch for a reason that may pass (outage, overload, credential being
 * rotated). Thrown by the forward route so the JMS transaction rolls back and the broker redelivers.
 */
public class CloudDeliveryException extends RuntimeException {

    public CloudDeliveryException(String message) {
        super(message);
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        // The message says everything; a stack trace per redelivery would only bury it.
        return this;
    }
}
