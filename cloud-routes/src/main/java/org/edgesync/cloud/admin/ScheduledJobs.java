package org.edgesync.cloud.admin;

import org.edgesync.cloud.housekeeping.PausedJobs;
import org.edgesync.cloud.support.ClusteredScheduler;
import org.quartz.CronTrigger;
import org.quartz.JobKey;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.quartz.Trigger;
import org.quartz.impl.matchers.GroupMatcher;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Date;
import java.util.List;

/**
 * The cloud's scheduled jobs as they are stored in the clustered Quartz job store in PostgreSQL ({@code qrtz_*}),
 * seen and changed through a Quartz scheduler on that store that is never started: it runs nothing itself, so what
 * it writes (a one-shot trigger, a paused state) is picked up by whichever cloud node acquires triggers next, and a
 * pause stays in the database across restarts of every node.
 */
final class ScheduledJobs implements AutoCloseable {

    /** How recently a node must have checked in to count as up: Quartz's check-in interval (5 s) with slack. */
    private static final long ALIVE_MS = 20_000;
    private static final String NODES = """
            SELECT count(*) FROM edgesync.qrtz_scheduler_state WHERE sched_name = ? AND last_checkin_time > ?""";

    private final Scheduler scheduler;
    private final DataSource dataSource;
    private final String clusterName;
    private final PausedJobs paused;

    private ScheduledJobs(Scheduler scheduler, DataSource dataSource, String clusterName) {
        this.scheduler = scheduler;
        this.dataSource = dataSource;
        this.clusterName = clusterName;
        this.paused = new PausedJobs(dataSource, clusterName);
    }

    /** @param clusterName camel.main.name of the cloud nodes: the Quartz scheduler name they share */
    static ScheduledJobs open(DataSource dataSource, String clusterName) throws SchedulerException {
        return new ScheduledJobs(ClusteredScheduler.create(dataSource, clusterName, 1), dataSource, clusterName);
    }

    /**
     * One job with its schedule.
     *
     * @param state NORMAL, PAUSED, BLOCKED (running now), ERROR or COMPLETE, of its cron trigger
     */
    record Job(String name, String cron, String state, Instant nextFire, Instant previousFire, int pendingRuns) {
    }

    List<Job> list() throws SchedulerException {
        List<Job> jobs = new ArrayList<>();
        for (JobKey key : scheduler.getJobKeys(GroupMatcher.anyJobGroup())) {
            String cron = "-";
            String state = "NONE";
            Instant next = null;
            Instant previous = null;
            int pending = 0;
            for (Trigger trigger : scheduler.getTriggersOfJob(key)) {
                if (trigger instanceof CronTrigger scheduled) {
                    cron = scheduled.getCronExpression();
                    state = scheduler.getTriggerState(trigger.getKey()).name();
                    next = instant(trigger.getNextFireTime());
                    previous = instant(trigger.getPreviousFireTime());
                } else {
                    pending++; // a one-shot run asked for by `trigger`, not yet fired
                }
            }
            jobs.add(new Job(key.getName(), cron, state, next, previous, pending));
        }
        jobs.sort(Comparator.comparing(Job::name));
        return jobs;
    }

    /** Stores a one-shot trigger for now: the next node to acquire triggers runs the job once. */
    void trigger(String name) throws SchedulerException {
        scheduler.triggerJob(key(name));
    }

    /**
     * Pauses the job's triggers in the store and records the pause ({@link PausedJobs}): no node fires it until
     * {@link #resume}, restarts and cron changes included.
     */
    void pause(String name) throws SchedulerException, SQLException {
        JobKey job = key(name);
        paused.record(job);
        scheduler.pauseJob(job);
    }

    /** Resumes the job; a fire missed while paused runs once at once (Quartz's smart misfire policy for cron). */
    void resume(String name) throws SchedulerException, SQLException {
        JobKey job = key(name);
        scheduler.resumeJob(job);
        paused.forget(job);
    }

    /** Cloud nodes of this cluster that checked in with the job store recently. */
    int nodesUp() throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(NODES)) {
            s.setString(1, clusterName);
            s.setLong(2, System.currentTimeMillis() - ALIVE_MS);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    String clusterName() {
        return clusterName;
    }

    private JobKey key(String name) throws SchedulerException {
        List<String> known = new ArrayList<>();
        for (JobKey key : scheduler.getJobKeys(GroupMatcher.anyJobGroup())) {
            if (key.getName().equals(name) || (key.getGroup() + "/" + key.getName()).equals(name)) {
                return key;
            }
            known.add(key.getName());
        }
        known.sort(null);
        throw new UsageException("No job named '" + name + "' in cluster '" + clusterName + "'; the known jobs are "
                + (known.isEmpty() ? "none yet (a cloud node registers them when it starts)" : String.join(", ", known))
                + ".");
    }

    private static Instant instant(Date date) {
        return date == null ? null : date.toInstant();
    }

    @Override
    public void close() {
        try {
            scheduler.shutdown(false);
        } catch (SchedulerException e) {
            // nothing ran on it; the connections go back to the command's pool, which its owner closes
        }
    }
}
