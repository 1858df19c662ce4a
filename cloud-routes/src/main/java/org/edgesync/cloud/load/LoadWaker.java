package org.edgesync.cloud.load;

import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.quartz.Trigger;
import org.quartz.TriggerKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Date;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Starts a load on this node as soon as ingest has staged a batch, instead of waiting for the next scheduled fire
 * (or, after a restart, for the clustered scheduler to recover the trigger of a node that went away). Wakes are
 * coalesced: at most one load runs and one waits, however many batches arrive. Safe beside the scheduled loads of
 * every node: each run takes the cluster-wide load lock, and a run that finds it taken does nothing.
 * <p>
 * Only a loader that is scheduled to run within {@value #SCHEDULED_WITHIN_MS} ms and not paused is woken: a job
 * paused with {@code ops/jobs pause}, or a cron set far into the future, means an operator has parked loading, and
 * ingest must not undo that.
 */
public class LoadWaker implements AutoCloseable {

    /** Next scheduled fire at most this far away: loading is on, not parked. */
    static final long SCHEDULED_WITHIN_MS = 3_600_000;
    /** How long the answer about the schedule is reused, so a busy ingest does not ask the job store per batch. */
    private static final long SCHEDULE_CHECK_MS = 5_000;

    private static final Logger LOG = LoggerFactory.getLogger(LoadWaker.class);

    private final StagedChangeLoader loader;
    private final Scheduler scheduler;
    private final TriggerKey loadTrigger;
    private final AtomicBoolean queued = new AtomicBoolean();
    private final ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
        Thread thread = new Thread(r, "edgesync-load-wake");
        thread.setDaemon(true);
        return thread;
    });
    private volatile long scheduleCheckedAt;
    private volatile boolean scheduledSoon;

    /** @param loadTrigger the trigger of the scheduled load route (group and name of its quartz: URI) */
    public LoadWaker(StagedChangeLoader loader, Scheduler scheduler, TriggerKey loadTrigger) {
        this.loader = loader;
        this.scheduler = scheduler;
        this.loadTrigger = loadTrigger;
    }

    /** Called after a batch is staged; returns at once. */
    public void wake() {
        if (!scheduledSoon() || !queued.compareAndSet(false, true)) {
            return;
        }
        try {
            executor.execute(() -> {
                queued.set(false);
                try {
                    loader.loadAvailable();
                } catch (Exception e) {
                    // the scheduled fire retries; the staged changes are safe
                    LOG.warn("Load started by ingest failed, the next scheduled load retries: {}", e.getMessage());
                }
            });
        } catch (RuntimeException rejected) {
            queued.set(false); // stopping
        }
    }

    private boolean scheduledSoon() {
        long now = System.currentTimeMillis();
        if (now - scheduleCheckedAt > SCHEDULE_CHECK_MS) {
            try {
                Trigger trigger = scheduler.getTrigger(loadTrigger);
                Date next = trigger == null ? null : trigger.getNextFireTime();
                scheduledSoon = next != null && next.getTime() - now <= SCHEDULED_WITHIN_MS
                        && scheduler.getTriggerState(loadTrigger) != Trigger.TriggerState.PAUSED;
            } catch (SchedulerException e) {
                LOG.debug("Could not read the load schedule; keeping the last answer: {}", e.getMessage());
            }
            scheduleCheckedAt = now;
        }
        return scheduledSoon;
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
