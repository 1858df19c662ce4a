package org.edgesync.cloud.housekeeping;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;

/**
 * The periodic report of what waits for an operator: changes open in quarantine (the cloud could not apply them) and
 * batches in a device's dead-letter queue (the cloud refused them as invalid, as last reported by the device's
 * {@code X-EdgeSync-Dlq-Depth} header). Neither resolves itself, and both mean a device's data is not fully in the
 * target tables, so each such device gets one WARN line that names it and the command to look closer, and every run
 * ends with one summary line (INFO when nothing waits). Log lines rather than a table: the current state is already
 * in {@code edgesync.fleet_status} ({@code ops/status}); what the report adds is a line in the node's journal that
 * monitoring can alert on.
 */
public class AttentionReport {

    /** Bound on device lines per run, so a fleet-wide problem does not flood the journal; the summary counts all. */
    static final int MAX_DEVICE_LINES = 50;

    private static final Logger LOG = LoggerFactory.getLogger(AttentionReport.class);

    private static final String NEEDING_ATTENTION = """
            SELECT d.device_id, d.store_id, d.status, coalesce(d.dlq_depth, 0), d.reported_at,
                   count(q.seq),
                   count(q.seq) FILTER (WHERE q.held_behind_seq IS NULL),
                   min(q.quarantined_at),
                   (array_agg(q.seq || ' (' || q.table_name || '): ' || q.reason ORDER BY q.seq)
                       FILTER (WHERE q.held_behind_seq IS NULL))[1]
            FROM edgesync.device d
            LEFT JOIN edgesync.quarantine q ON q.device_id = d.device_id AND q.status = 'open'
            GROUP BY d.device_id
            HAVING count(q.seq) > 0 OR coalesce(d.dlq_depth, 0) > 0
            ORDER BY d.device_id""";

    private final DataSource dataSource;

    public AttentionReport(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /**
     * One device that needs an operator.
     *
     * @param openQuarantine  changes open in quarantine
     * @param failing         of those, the ones that failed themselves (the rest are held behind them)
     * @param firstFailing    seq, table and reason of the lowest failing one, or null
     * @param dlqDepth        batches in the device's DLQ as it last reported
     */
    public record Device(String deviceId, String storeId, String status, long openQuarantine, long failing,
                         Timestamp oldestQuarantined, String firstFailing, long dlqDepth, Timestamp dlqReportedAt) {

        String line() {
            List<String> parts = new ArrayList<>();
            if (openQuarantine > 0) {
                parts.add(openQuarantine + " open quarantined change" + (openQuarantine == 1 ? "" : "s") + " (" + failing
                        + " failing, " + (openQuarantine - failing) + " held behind them) since "
                        + oldestQuarantined.toInstant() + (firstFailing == null ? "" : "; first failing seq " + firstFailing)
                        + " - see ops/quarantine list --device " + deviceId);
            }
            if (dlqDepth > 0) {
                parts.add(dlqDepth + " batch" + (dlqDepth == 1 ? "" : "es") + " in the device's DLQ (edgesync.batches.dlq,"
                        + " reported " + (dlqReportedAt == null ? "at an unknown time" : dlqReportedAt.toInstant())
                        + "), refused by the cloud and never resent: see the device's log for the reason");
            }
            return "Device " + deviceId + " (store " + storeId + ", " + status + ") needs attention: "
                    + String.join("; ", parts);
        }
    }

    /** The devices of one run. */
    public record Report(List<Device> devices) {

        public long quarantinedChanges() {
            return devices.stream().mapToLong(Device::openQuarantine).sum();
        }

        public long dlqBatches() {
            return devices.stream().mapToLong(Device::dlqDepth).sum();
        }

        @Override
        public String toString() {
            if (devices.isEmpty()) {
                return "no device has open quarantined changes or DLQ batches";
            }
            long quarantineDevices = devices.stream().filter(d -> d.openQuarantine() > 0).count();
            long dlqDevices = devices.stream().filter(d -> d.dlqDepth() > 0).count();
            return devices.size() + " device" + (devices.size() == 1 ? "" : "s") + " need attention: "
                    + quarantinedChanges() + " open quarantined changes on " + quarantineDevices + " device"
                    + (quarantineDevices == 1 ? "" : "s") + ", " + dlqBatches() + " DLQ batches on " + dlqDevices
                    + " device" + (dlqDevices == 1 ? "" : "s");
        }
    }

    /** Reads the state, logs one WARN per device (at most {@value #MAX_DEVICE_LINES}) and the summary. */
    public Report run() throws SQLException {
        Report report = new Report(read());
        for (int i = 0; i < report.devices().size() && i < MAX_DEVICE_LINES; i++) {
            LOG.warn(report.devices().get(i).line());
        }
        if (report.devices().isEmpty()) {
            LOG.info("Quarantine and DLQ report: {}", report);
        } else {
            LOG.warn("Quarantine and DLQ report: {}{}", report, report.devices().size() > MAX_DEVICE_LINES
                    ? " (first " + MAX_DEVICE_LINES + " listed above; ops/status shows all)" : "");
        }
        return report;
    }

    private List<Device> read() throws SQLException {
        List<Device> devices = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(NEEDING_ATTENTION);
             ResultSet rs = s.executeQuery()) {
            while (rs.next()) {
                devices.add(new Device(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(6), rs.getLong(7),
                        rs.getTimestamp(8), rs.getString(9), rs.getLong(4), rs.getTimestamp(5)));
            }
        }
        return devices;
    }
}
