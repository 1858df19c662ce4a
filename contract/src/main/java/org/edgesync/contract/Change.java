package org.edgesync.contract;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One captured row change. {@code seq} is the device's change number: strictly increasing,
 * never reused, and the only order the cloud trusts ({@code capturedAt} is informative only,
 * device clocks drift).
 *
 * @param seq        the device's change number, from 1
 * @param table      source table name on the device
 * @param op         insert, update or delete
 * @param pk         primary-key column values of the row
 * @param row        the full row image after the change; null for a delete
 * @param capturedAt device clock at capture, epoch milliseconds
 */
public record Change(long seq, String table, Operation op, ObjectNode pk, ObjectNode row, long capturedAt) {
}
