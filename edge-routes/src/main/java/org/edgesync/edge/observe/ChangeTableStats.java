package org.edgesync.edge.observe;

/**
 * The change table at one moment.
 *
 * @param backlog          rows waiting in {@code _edgesync_changes}
 * @param oldestCapturedAt captured_at (epoch ms, device clock) of the oldest waiting row, null when none waits
 * @param capturedTotal    the highest seq ever handed out (SQLite's AUTOINCREMENT counter): every change captured
 *                         since capture was installed, sent or not
 */
public record ChangeTableStats(long backlog, Long oldestCapturedAt, long capturedTotal) {
}
