package org.edgesync.contract;

import java.util.List;

/**
 * What the edge sends in one HTTP request: the changes of one device in seq order.
 * A batch may be resent whole or re-cut differently after a crash; the cloud is idempotent on
 * (deviceId, change seq), never on the batch.
 *
 * @param deviceId the sending device
 * @param firstSeq seq of the first change
 * @param lastSeq  seq of the last change
 * @param changes  the changes, ascending by seq, at least one
 */
public record ChangeBatch(String deviceId, long firstSeq, long lastSeq, List<Change> changes) {

    public static ChangeBatch of(String deviceId, List<Change> changes) {
        if (changes.isEmpty()) {
            throw new IllegalArgumentException("a batch needs at least one change");
        }
        return new ChangeBatch(deviceId, changes.get(0).seq(), changes.get(changes.size() - 1).seq(), List.copyOf(changes));
    }
}
