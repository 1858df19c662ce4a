package org.edgesync.edge;

import java.util.List;

/**
 * One readable line for a failed poll. Spring's JMS exceptions no longer carry their cause's message,
 * so the WARN of the poll route would say "Uncategorized exception occurred during JMS processing"
 * instead of the broker's reason (e.g. {@code AMQ229102: Address "edgesync.batches" is full}).
 */
public final class FailureMessages {

    /**
     * Codes of Artemis's "address is full" refusal (queue at its limit or disk above max-disk-usage):
     * from the broker (AMQ229102), or from the client when the broker already failed its credit request
     * (AMQ219058).
     */
    static final List<String> ADDRESS_FULL = List.of("AMQ229102", "AMQ219058");

    /** The message of the innermost cause, with what a full broker means for the device. */
    public String describe(Throwable failure) {
        Throwable root = failure;
        while (root != null && root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        if (root == null) {
            return "unknown failure";
        }
        String message = root.getMessage() == null ? root.getClass().getName() : root.getMessage();
        if (ADDRESS_FULL.stream().anyMatch(message::contains)) {
            return "the broker refuses new batches because edgesync.broker.max.queued.bytes is reached or the disk is above"
                    + " max-disk-usage (" + message + ")";
        }
        return message;
    }
}
