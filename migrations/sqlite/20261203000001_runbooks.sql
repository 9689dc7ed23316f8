-- Runbooks: one per service, every save a numbered version. Instants are RFC 3339 UTC text;
-- JSON columns are text.

-- The current state of a service's runbook: its latest version (whose number is also the
-- optimistic-locking version) and its last review. A save counts as a review.
create table runbooks (
    id integer primary key,
    service_id integer not null constraint runbooks_service_fkey references services (id) on delete cascade,
    version integer not null,
    body text not null,
    -- [{"symptom", "confirm", "mitigation", "escalateTo"}]
    failure_modes text not null default '[]',
    -- [{"title", "url"}]
    links text not null default '[]',
    reviewed_at text not null,
    reviewed_by text not null,
    -- The service's owners, dependencies, repository and tier at the last review, as JSON: a
    -- runbook is suspect when they differ now.
    reviewed_facts text not null,
    created_at text not null,
    updated_at text not null,
    constraint runbooks_service_key unique (service_id)
);

-- Every saved version, never changed afterwards.
create table runbook_versions (
    id integer primary key,
    runbook_id integer not null constraint runbook_versions_runbook_fkey references runbooks (id) on delete cascade,
    number integer not null,
    body text not null,
    failure_modes text not null,
    links text not null,
    note text,
    author text not null,
    created_at text not null,
    constraint runbook_versions_number_key unique (runbook_id, number)
);
