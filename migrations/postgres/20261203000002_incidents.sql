-- Incidents: one commander accountable for the final call, investigators, affected services
-- (with who was on call for each when it was declared), milestones, and a timeline. Instants
-- are RFC 3339 UTC text to the second, so that they sort in time order; JSON is text.

create table incidents (
    id bigint generated always as identity primary key,
    title text not null,
    -- 1 (SEV1, worst) to 4.
    severity bigint not null,
    status text not null,
    -- A person's handle.
    commander text not null,
    summary text,
    started_at text,
    detected_at text not null,
    acknowledged_at text,
    mitigated_at text,
    resolved_at text,
    declared_at text not null,
    declared_by text not null,
    version bigint not null default 1,
    updated_at text not null
);
create index incidents_detected_at on incidents (detected_at);

-- The slug is kept as it was, so an incident still names a service deleted since.
create table incident_services (
    incident_id bigint not null constraint incident_services_incident_fkey references incidents (id) on delete cascade,
    position bigint not null,
    service_id bigint constraint incident_services_service_fkey references services (id) on delete set null,
    slug text not null,
    -- The escalation walk when the incident was declared (ServiceOnCall), or null.
    on_call text,
    constraint incident_services_pkey primary key (incident_id, position)
);
create index incident_services_service on incident_services (service_id);

create table incident_investigators (
    incident_id bigint not null constraint incident_investigators_incident_fkey references incidents (id) on delete cascade,
    handle text not null,
    constraint incident_investigators_pkey primary key (incident_id, handle)
);

-- The timeline: declared, note, handover (details: from, to), status, milestone, update.
create table incident_events (
    id bigint generated always as identity primary key,
    incident_id bigint not null constraint incident_events_incident_fkey references incidents (id) on delete cascade,
    kind text not null,
    at text not null,
    author text not null,
    text text not null,
    details text not null default '{}'
);
create index incident_events_incident on incident_events (incident_id, id);
