package org.edgesync.contract;

/** A batch that can never be accepted as sent; the message names the field and what was wrong. */
public class InvalidBatchException extends RuntimeException {

    public InvalidBatchException(String message) {
        super(message);
    }

    public InvalidBatchException(String message, Throwable cause) {
        super(message, cause);
    }
}
