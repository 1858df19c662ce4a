package org.edgesync.ops;

import java.io.PrintStream;
import java.util.List;

/** The verdict of comparing one device's tables with the cloud's target tables. */
public record Reconciliation(String deviceId, List<TableResult> tables) {

    /**
     * @param missing rows the device has that the cloud lacks or holds with other values
     * @param extra   rows the cloud has that the device does not (deleted on the device, duplicated, or stale)
     */
    public record TableResult(String sourceTable, String targetTable, long deviceRows, long cloudRows,
                              long missing, long extra, List<String> examples) {
        public boolean equal() {
            return missing == 0 && extra == 0 && deviceRows == cloudRows;
        }
    }

    public boolean equal() {
        return tables.stream().allMatch(TableResult::equal);
    }

    public void print(PrintStream out) {
        out.println("reconciliation of device " + deviceId + " (device tables vs cloud target tables, through the mappings)");
        out.printf("  %-12s %-20s %10s %10s %8s %8s  %s%n", "source", "target", "device", "cloud", "missing", "extra", "verdict");
        for (TableResult t : tables) {
            out.printf("  %-12s %-20s %,10d %,10d %,8d %,8d  %s%n", t.sourceTable(), t.targetTable(), t.deviceRows(),
                    t.cloudRows(), t.missing(), t.extra(), t.equal() ? "equal" : "DIFFERENT");
            for (String example : t.examples()) {
                out.println("      " + example);
            }
        }
    }
}
