package org.edgesync.cloud.admin;

/** A command line an operator command does not understand; its message says what to type instead. */
final class UsageException extends RuntimeException {

    UsageException(String message) {
        super(message);
    }
}
