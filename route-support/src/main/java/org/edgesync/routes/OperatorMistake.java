package org.edgesync.routes;

/**
 * Marks an exception whose message is already the sentence an operator needs (which key or file, what was wrong,
 * what is allowed): {@link StartupFailure} reports it as it is, without a stack trace.
 */
public interface OperatorMistake {
}
