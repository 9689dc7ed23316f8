-- The three fix tiers. A short-term fix has an expiry; a proper fix an owner, a due date and
-- the short-term fix it retires; a future fix the context to act on it later (and, once
-- filed, its GitHub issue). Instants are RFC 3339 UTC text to the second.
create table fixes (
    id integer primary key,
    -- short-term | proper | future
    tier text not null,
    incident_id integer constraint fixes_incident_fkey references incidents (id) on delete set null,
    service_id integer constraint fixes_service_fkey references services (id) on delete set null,
    -- Kept as it was, so a fix still names a service deleted since.
    service_slug text not null,
    title text not null,
    description text,
    -- team:slug or person:handle
    owner text not null,
    applied_at text,
    applied_by text,
    expires_at text,
    due_at text,
    retires_id integer constraint fixes_retires_fkey references fixes (id) on delete set null,
    why_it_matters text,
    direction text,
    -- open | done | not-doing
    state text not null,
    reason text,
    done_at text,
    github_issue_url text,
    version integer not null default 1,
    created_at text not null,
    created_by text not null,
    updated_at text not null
);
create index fixes_service on fixes (service_id, state);
create index fixes_incident on fixes (incident_id);
create index fixes_retires on fixes (retires_id);
