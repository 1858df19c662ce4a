package org.edgesync.ops;

import java.io.PrintStream;
import java.util.List;

/**
 * The verdict of comparing one device's tables with the cloud's target tables, and the cloud's ledger of
 * the device's seqs. Lost and duplicated are counted the way the fault suite reports them.
 */
public record Reconciliation(String deviceId, List<TableResult> tables, Ledger ledger) {

    /**
     * @param absent         device rows whose key the cloud does not have
     * @param different      keys on both sides whose mapped values differ (a stale or wrong version)
     * @param onlyInCloud    cloud rows whose key the device does not have (deleted on the device, resurrected, duplicated)
     * @param untransformable device rows the mapping cannot convert (they can never load as they are)
     * @param deviceChecksum order-independent hash of the device rows passed through the mapping
     * @param cloudChecksum  the same hash over the cloud's rows of the device
     */
    public record TableResult(String sourceTable, String targetTable, long deviceRows, long cloudRows,
                              long absent, long different, long onlyInCloud, long untransformable,
                              String deviceChecksum, String cloudChecksum, List<String> examples) {

        /** Rows the device has that the cloud lacks or holds with other values. */
        public long missing() {
            return absent + different + untransformable;
        }

        /** Rows the cloud has that the device does not have in that form. */
        public long extra() {
            return onlyInCloud + different;
        }

        public boolean equal() {
            return missing() == 0 && extra() == 0 && deviceRows == cloudRows && deviceChecksum.equals(cloudChecksum);
        }
    }

    /**
     * What the cloud received of the device's seqs, against what the device numbered.
     *
     * @param deviceMaxSeq          the highest seq the device ever gave a change (SQLite's AUTOINCREMENT counter)
     * @param deviceBacklog         changes still in the device's change table (not yet in the broker)
     * @param highestContiguousSeq  every seq from 1 to this one is staged in the cloud
     * @param maxSeqReceived        the highest seq staged
     * @param missingCount          seqs below maxSeqReceived that are not staged (gaps)
     * @param gaps                  the gaps as ranges, for people
     * @param stagedDuplicates      staged rows beyond one per (device, seq)
     * @param quarantined           changes of the device in quarantine (poison and held ones)
     * @param source                where the ledger came from (the cloud's view, or computed from staging)
     */
    public record Ledger(long deviceMaxSeq, long deviceBacklog, long highestContiguousSeq, long maxSeqReceived,
                         long missingCount, String gaps, long stagedDuplicates, long quarantined, String source) {

        /** Changes the device numbered that the cloud has not received contiguously yet. */
        public long behind() {
            return Math.max(0, deviceMaxSeq - highestContiguousSeq);
        }

        public boolean complete() {
            return missingCount == 0 && highestContiguousSeq == deviceMaxSeq && maxSeqReceived == deviceMaxSeq
                    && stagedDuplicates == 0;
        }
    }

    /** Changes lost: device rows missing or different in the cloud, plus gaps in the seq ledger. */
    public long lost() {
        return tables.stream().mapToLong(TableResult::missing).sum() + (ledger == null ? 0 : ledger.missingCount());
    }

    /** Changes duplicated: cloud rows with no device row of the same key, plus staged duplicates. */
    public long duplicated() {
        return tables.stream().mapToLong(TableResult::onlyInCloud).sum() + (ledger == null ? 0 : ledger.stagedDuplicates());
    }

    /** Tables equal (counts, rows and checksums) and the ledger complete without gaps. */
    public boolean equal() {
        return tables.stream().allMatch(TableResult::equal) && (ledger == null || ledger.complete());
    }

    public String verdict() {
        if (equal()) {
            return "RESULT: equal - 0 lost, 0 duplicated, cloud has every seq 1.." + (ledger == null ? "?" : ledger.deviceMaxSeq());
        }
        StringBuilder why = new StringBuilder("RESULT: DIFFERENT - ").append(lost()).append(" lost, ")
                .append(duplicated()).append(" duplicated");
        if (ledger != null && ledger.behind() > 0) {
            why.append(", cloud ").append(ledger.behind()).append(" seqs behind the device");
        }
        return why.toString();
    }

    public void print(PrintStream out) {
        out.println("reconciliation of device " + deviceId + " (device tables vs cloud target tables, through the mappings)");
        out.printf("  %-11s %-17s %9s %9s %7s %7s %7s %7s  %-16s %-16s  %s%n", "source", "target", "device", "cloud",
                "absent", "differ", "extra", "unmap", "device checksum", "cloud checksum", "verdict");
        for (TableResult t : tables) {
            out.printf("  %-11s %-17s %,9d %,9d %,7d %,7d %,7d %,7d  %-16s %-16s  %s%n", t.sourceTable(), t.targetTable(),
                    t.deviceRows(), t.cloudRows(), t.absent(), t.different(), t.onlyInCloud(), t.untransformable(),
                    t.deviceChecksum(), t.cloudChecksum(), t.equal() ? "equal" : "DIFFERENT");
            for (String example : t.examples()) {
                out.println("      " + example);
            }
        }
        if (ledger != null) {
            out.printf("  seq ledger (%s): device numbered 1..%,d (%,d not yet sent); cloud has 1..%,d contiguous, "
                            + "highest %,d, %,d missing%s; %,d staged duplicates; %,d open in quarantine  %s%n",
                    ledger.source(), ledger.deviceMaxSeq(), ledger.deviceBacklog(), ledger.highestContiguousSeq(),
                    ledger.maxSeqReceived(), ledger.missingCount(),
                    ledger.gaps() == null || ledger.gaps().isBlank() ? "" : " (gaps " + ledger.gaps() + ")",
                    ledger.stagedDuplicates(), ledger.quarantined(), ledger.complete() ? "complete" : "INCOMPLETE");
        }
        out.println("  lost " + lost() + ", duplicated " + duplicated());
    }
}
