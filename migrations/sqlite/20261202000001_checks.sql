-- Scheduled jobs, decay checks, findings, scorecards and notifications.
-- Instants are RFC 3339 UTC text; flags are integers 0/1; JSON columns are text.

-- One row per run of a job. A scheduled run is keyed by the tick it is for, so of several
-- replicas firing on the same tick only the one whose insert succeeds runs it.
create table job_runs (
    id integer primary key,
    job text not null,
    -- the scheduled instant this run is for; a manual run: 'manual:' and a random id
    tick text not null,
    -- schedule, catch-up or manual
    trigger text not null,
    replica text not null,
    started_at text not null,
    finished_at text,
    -- running, succeeded, failed or skipped
    outcome text not null,
    progress_done integer not null default 0,
    progress_total integer not null default 0,
    counts text not null default '{}',
    error text,
    heartbeat_at text not null,
    constraint job_runs_tick_key unique (job, tick)
);
create index job_runs_job_idx on job_runs (job, started_at);

-- A lease per job: a run holds it while it works, so two runs of one job never overlap. Taken
-- with a conditional upsert; a holder that died loses it when it expires.
create table job_locks (
    job text primary key,
    holder text not null,
    run_id integer not null,
    expires_at text not null
);

-- An admin's settings for a rule; a rule without a row runs with its defaults.
create table rule_settings (
    rule_id text primary key,
    enabled integer not null,
    severity text not null,
    level text not null,
    weight integer not null,
    -- {"tiers": [..], "lifecycles": [..], "kinds": [..]}
    applies text not null,
    -- {"1": n, "2": n, "3": n, "4": n}
    thresholds text not null,
    enforced_from text,
    version integer not null default 1,
    updated_by text not null,
    created_at text not null,
    updated_at text not null
);

-- One row per (service, rule, subject) ever: it is resolved and reopened, never duplicated.
-- Findings about Steward itself (a stalled job) have no service.
create table findings (
    id integer primary key,
    service_id integer constraint findings_service_fkey references services (id) on delete cascade,
    rule_id text not null,
    subject text not null,
    -- open or resolved
    state text not null,
    -- fail, unknown (could not be evaluated) or error (the rule failed)
    result text not null,
    severity text not null,
    message text not null,
    details text not null default '{}',
    -- how old the data was, for unknown results
    data_age_secs integer,
    -- 0 while the rule's grace period lasts
    enforced integer not null default 1,
    first_seen_at text not null,
    last_seen_at text not null,
    resolved_at text,
    reopened_count integer not null default 0,
    updated_at text not null
);
create unique index findings_key on findings (coalesce(service_id, 0), rule_id, subject);
create index findings_state_idx on findings (state, rule_id);
create index findings_service_idx on findings (service_id, state);

create table finding_events (
    id integer primary key,
    finding_id integer not null constraint finding_events_finding_fkey references findings (id) on delete cascade,
    at text not null,
    -- opened, resolved, reopened, changed
    change text not null,
    result text not null
);
create index finding_events_finding_idx on finding_events (finding_id, at);
create index finding_events_at_idx on finding_events (at);

create table exemptions (
    id integer primary key,
    service_id integer not null constraint exemptions_service_fkey references services (id) on delete cascade,
    rule_id text not null,
    reason text not null,
    approved_by text not null,
    expires_at text not null,
    revoked_at text,
    created_at text not null
);
create index exemptions_service_idx on exemptions (service_id, rule_id);

-- What the last pass saw of each service (a hash of the facts its rules read), so that an
-- incremental pass re-evaluates only services whose facts changed.
create table check_state (
    service_id integer primary key constraint check_state_service_fkey references services (id) on delete cascade,
    facts_hash text not null,
    evaluated_at text not null
);

-- Each service's maintenance score as of the last pass: what team and organisation
-- scorecards add up.
create table service_scores (
    service_id integer primary key constraint service_scores_service_fkey references services (id) on delete cascade,
    -- none, bronze, silver or gold
    level text not null,
    percent integer not null,
    passing integer not null,
    applicable integer not null,
    -- {rule: status} as the scorecard shows it
    statuses text not null default '{}',
    -- [{rule, subject, at, reason}]: passing now, failing soon
    fails_soon text not null default '[]',
    -- the rules between the service and its next level
    to_next text not null default '[]',
    updated_at text not null
);

-- Daily history of the scorecard per service, team and the organisation. A service's row is
-- written on the days its score changed; team and organisation rows every day there is a pass.
create table scorecard_history (
    id integer primary key,
    scope_kind text not null,
    scope text not null,
    day text not null,
    level text not null,
    -- basis points (10000 = 100 %) so averages keep their precision
    percent_bp integer not null,
    services integer not null,
    -- {"none": n, "bronze": n, "silver": n, "gold": n}
    levels text not null,
    constraint scorecard_history_key unique (scope_kind, scope, day)
);
create index scorecard_history_day_idx on scorecard_history (day);

-- Where a team's notifications go.
create table notification_channels (
    id integer primary key,
    team_id integer not null constraint notification_channels_team_fkey references teams (id) on delete cascade,
    -- slack, webhook or email
    kind text not null,
    name text not null,
    -- the webhook URL or the e-mail address
    target text not null,
    -- the HMAC key of a generic webhook
    secret text,
    created_at text not null,
    updated_at text not null
);
create index notification_channels_team_idx on notification_channels (team_id);

-- Notifications to send, written in the transaction of the change that caused them and
-- delivered later with retries. A sender leases a row before sending it.
create table outbox (
    id integer primary key,
    channel_id integer not null constraint outbox_channel_fkey references notification_channels (id) on delete cascade,
    -- finding-opened or digest
    kind text not null,
    subject text not null,
    payload text not null,
    -- pending, sent or failed (gave up)
    state text not null,
    attempts integer not null default 0,
    next_attempt_at text not null,
    claimed_by text,
    claimed_until text,
    last_error text,
    created_at text not null,
    sent_at text
);
create index outbox_due_idx on outbox (state, next_attempt_at);
