-- On-call: schedules (layers and their rotations as JSON, overrides as rows), escalation
-- policies, swap requests and calendar feeds. Instants are RFC 3339 UTC text; a layer's
-- start is a local wall-clock time in the schedule's zone.
create table schedules (
    id bigint generated always as identity primary key,
    slug text not null constraint schedules_slug_key unique,
    name text not null,
    team_id bigint not null constraint schedules_team_fkey references teams (id),
    time_zone text not null,
    description text,
    -- [{name, start (local), end (UTC)?, turn: {unit, length}, rotations: [{from, participants, shift}], restrictions: [...]}], lowest first
    layers text not null default '[]',
    version bigint not null default 1,
    created_at text not null,
    updated_at text not null
);
create index schedules_team_idx on schedules (team_id);

create table schedule_overrides (
    id bigint generated always as identity primary key,
    schedule_id bigint not null constraint schedule_overrides_schedule_fkey references schedules (id) on delete cascade,
    person_id bigint not null constraint schedule_overrides_person_fkey references people (id),
    start_at text not null,
    end_at text not null,
    note text,
    created_by text not null,
    created_at text not null,
    constraint schedule_overrides_interval_check check (start_at < end_at)
);
create index schedule_overrides_schedule_idx on schedule_overrides (schedule_id, end_at);

create table escalation_policies (
    id bigint generated always as identity primary key,
    slug text not null constraint escalation_policies_slug_key unique,
    name text not null,
    team_id bigint not null constraint escalation_policies_team_fkey references teams (id),
    -- [{delayMinutes, targets: [{schedule}|{person}]}]
    levels text not null,
    repeats bigint not null default 0,
    version bigint not null default 1,
    created_at text not null,
    updated_at text not null
);

alter table services add column escalation_policy_id bigint
    constraint services_escalation_policy_fkey references escalation_policies (id) on delete set null;

create table swap_requests (
    id bigint generated always as identity primary key,
    schedule_id bigint not null constraint swap_requests_schedule_fkey references schedules (id) on delete cascade,
    offered_by bigint not null constraint swap_requests_offered_fkey references people (id),
    start_at text not null,
    end_at text not null,
    note text,
    -- open, taken or withdrawn
    state text not null,
    taken_by bigint constraint swap_requests_taken_fkey references people (id),
    override_id bigint constraint swap_requests_override_fkey references schedule_overrides (id) on delete set null,
    created_at text not null,
    updated_at text not null
);
create index swap_requests_schedule_idx on swap_requests (schedule_id, state);

create table calendar_feeds (
    id bigint generated always as identity primary key,
    -- SHA-256 of the secret in the feed's URL
    token_hash text not null constraint calendar_feeds_hash_key unique,
    schedule_id bigint constraint calendar_feeds_schedule_fkey references schedules (id) on delete cascade,
    person_id bigint constraint calendar_feeds_person_fkey references people (id) on delete cascade,
    account_id bigint not null constraint calendar_feeds_account_fkey references accounts (id) on delete cascade,
    created_at text not null,
    revoked_at text,
    constraint calendar_feeds_one_subject_check check ((schedule_id is null) <> (person_id is null))
);
