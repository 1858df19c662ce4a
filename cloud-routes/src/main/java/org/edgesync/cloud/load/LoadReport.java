package org.edgesync.cloud.load;

/**
 * Counts of one load run (or of several runs in one scheduler fire, added up).
 *
 * @param devices     devices whose progress advanced
 * @param changes     staged changes taken, all of which are now loaded, superseded or quarantined
 * @param upserts     rows inserted or updated in target tables
 * @param deletes     delete statements applied
 * @param superseded  changes not applied because a later change of the same row in the same run won
 * @param quarantined changes moved to edgesync.quarantine
 * @param skipped     true when another loader held the load lock
 * @param moreWork    true when some device had more contiguous changes than one run takes
 * @param millis      time taken
 */
public record LoadReport(int devices, int changes, int upserts, int deletes, int superseded, int quarantined,
                         boolean skipped, boolean moreWork, long millis) {

    public static LoadReport skippedRun(long millis) {
        return new LoadReport(0, 0, 0, 0, 0, 0, true, false, millis);
    }

    public static LoadReport nothing(long millis) {
        return new LoadReport(0, 0, 0, 0, 0, 0, false, false, millis);
    }

    public LoadReport plus(LoadReport next) {
        return new LoadReport(devices + next.devices, changes + next.changes, upserts + next.upserts,
                deletes + next.deletes, superseded + next.superseded, quarantined + next.quarantined,
                skipped && next.skipped, next.moreWork, millis + next.millis);
    }

    @Override
    public String toString() {
        return "devices=" + devices + " changes=" + changes + " upserts=" + upserts + " deletes=" + deletes
                + " superseded=" + superseded + " quarantined=" + quarantined + " moreWork=" + moreWork
                + " in " + millis + " ms";
    }
}
