-- Scheduled jobs an operator paused with `ops/jobs pause`, kept beside Quartz's own trigger state: Quartz forgets a
-- pause when a node replaces the job's trigger (it does when the job's cron in cloud.properties changed), so every
-- node pauses these jobs again when it starts. Removed by `ops/jobs resume`.
CREATE TABLE paused_job (
    sched_name text        NOT NULL,
    job_group  text        NOT NULL,
    job_name   text        NOT NULL,
    paused_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (sched_name, job_group, job_name)
);
