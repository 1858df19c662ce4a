package org.edgesync.cloud.housekeeping;

import org.quartz.JobKey;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * The jobs an operator paused, in {@code edgesync.paused_job}. Quartz keeps a pause in its trigger row, but a cloud
 * node replaces that row when the job's cron in cloud.properties changed, and the replacement starts unpaused; so
 * every node pauses the recorded jobs again once its routes have registered their triggers, before its scheduler
 * starts firing. {@code ops/jobs pause} records a job before pausing it, {@code ops/jobs resume} forgets it after
 * resuming: a failure in between leaves the job paused, never running unexpectedly.
 */
public final class PausedJobs {

    private static final Logger LOG = LoggerFactory.getLogger(PausedJobs.class);

    private static final String RECORD = """
            INSERT INTO edgesync.paused_job (sched_name, job_group, job_name) VALUES (?, ?, ?) ON CONFLICT DO NOTHING""";
    private static final String FORGET = "DELETE FROM edgesync.paused_job WHERE sched_name = ? AND job_group = ? AND job_name = ?";
    private static final String ALL = "SELECT job_group, job_name FROM edgesync.paused_job WHERE sched_name = ?";

    private final DataSource dataSource;
    private final String schedulerName;

    public PausedJobs(DataSource dataSource, String schedulerName) {
        this.dataSource = dataSource;
        this.schedulerName = schedulerName;
    }

    public void record(JobKey job) throws SQLException {
        update(RECORD, job);
    }

    public void forget(JobKey job) throws SQLException {
        update(FORGET, job);
    }

    /** Pauses every recorded job that the scheduler knows; returns their names. */
    public List<String> reapply(Scheduler scheduler) throws SQLException, SchedulerException {
        List<String> paused = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(ALL)) {
            s.setString(1, schedulerName);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    JobKey job = JobKey.jobKey(rs.getString(2), rs.getString(1));
                    if (scheduler.checkExists(job)) {
                        scheduler.pauseJob(job);
                        paused.add(job.getName());
                    }
                }
            }
        }
        if (!paused.isEmpty()) {
            LOG.warn("Jobs paused by an operator stay paused: {} (ops/jobs resume JOB)", String.join(", ", paused));
        }
        return paused;
    }

    private void update(String sql, JobKey job) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(sql)) {
            s.setString(1, schedulerName);
            s.setString(2, job.getGroup());
            s.setString(3, job.getName());
            s.executeUpdate();
        }
    }
}
