-- Future fixes filed as GitHub issues, and what GitHub said back. A fix's row is written
-- (the intent) before GitHub is asked to create the issue, so that a retry after a lost
-- answer first looks for the issue by its marker and never files twice.
create table github_issues (
    fix_id integer primary key constraint github_issues_fix_fkey references fixes (id) on delete cascade,
    -- owner/name, as it was when the issue was filed
    repository text not null,
    -- pending | filed
    sync text not null,
    number integer,
    url text,
    -- open | closed, as GitHub last said, and when GitHub last changed the issue
    remote_state text,
    remote_updated_at text,
    attempts integer not null default 0,
    -- when the last create was asked for (the issue may exist from then on)
    intent_at text,
    next_attempt_at text,
    last_error text,
    created_at text not null,
    updated_at text not null
);
create index github_issues_due on github_issues (sync, next_attempt_at);
create index github_issues_number on github_issues (repository, number);

-- Per repository: the conditional-request state of the issues poll.
create table github_repositories (
    repository text primary key,
    etag text,
    since text,
    polled_at text,
    last_status integer
);

-- Webhook deliveries handled (X-GitHub-Delivery), so that a redelivery changes nothing.
create table github_deliveries (
    delivery text primary key,
    event text not null,
    action text,
    received_at text not null
);
create index github_deliveries_received on github_deliveries (received_at);

-- GitHub's rate-limit headers as last read, per resource, and any Retry-After it asked for.
create table github_budget (
    resource text primary key,
    quota integer,
    remaining integer,
    reset_at text,
    blocked_until text,
    observed_at text not null
);
