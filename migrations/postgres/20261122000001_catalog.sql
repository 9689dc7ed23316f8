-- The service catalog: teams, people, services and what Backstage entities we keep as given.
-- Timestamps are RFC 3339 UTC text (sortable); JSON columns are text.
create table teams (
    id bigint generated always as identity primary key,
    slug text not null constraint teams_slug_key unique,
    name text not null,
    parent_id bigint constraint teams_parent_fkey references teams (id),
    description text,
    chat_channel text,
    email text,
    extra text not null default '{}',
    version bigint not null default 1,
    created_at text not null,
    updated_at text not null
);

create table people (
    id bigint generated always as identity primary key,
    handle text not null constraint people_handle_key unique,
    name text not null,
    email text,
    time_zone text not null,
    github_login text,
    active boolean not null default true,
    extra text not null default '{}',
    version bigint not null default 1,
    created_at text not null,
    updated_at text not null
);
create unique index people_github_login_key on people (lower(github_login));

create table team_members (
    team_id bigint not null constraint team_members_team_fkey references teams (id) on delete cascade,
    person_id bigint not null constraint team_members_person_fkey references people (id) on delete cascade,
    role text not null,
    constraint team_members_pkey primary key (team_id, person_id)
);
create index team_members_person_idx on team_members (person_id);

create table services (
    id bigint generated always as identity primary key,
    slug text not null constraint services_slug_key unique,
    name text not null,
    description text,
    tier bigint not null,
    lifecycle text not null,
    kind text not null,
    system text,
    repository text,
    links text not null default '[]',
    annotations text not null default '{}',
    extra text not null default '{}',
    version bigint not null default 1,
    created_at text not null,
    updated_at text not null
);
create index services_name_idx on services (lower(name));

create table service_owners (
    service_id bigint not null constraint service_owners_service_fkey references services (id) on delete cascade,
    team_id bigint not null constraint service_owners_team_fkey references teams (id),
    position bigint not null,
    constraint service_owners_pkey primary key (service_id, team_id)
);
create index service_owners_team_idx on service_owners (team_id);

create table service_tags (
    service_id bigint not null constraint service_tags_service_fkey references services (id) on delete cascade,
    tag text not null,
    constraint service_tags_pkey primary key (service_id, tag)
);
create index service_tags_tag_idx on service_tags (tag);

create table service_dependencies (
    service_id bigint not null constraint service_dependencies_service_fkey references services (id) on delete cascade,
    depends_on_id bigint not null constraint service_dependencies_target_fkey references services (id),
    constraint service_dependencies_pkey primary key (service_id, depends_on_id)
);
create index service_dependencies_target_idx on service_dependencies (depends_on_id);

-- Backstage entities Steward does not model (System, Domain, API, Resource, unknown kinds),
-- kept as given so that an export gives them back.
create table catalog_entities (
    id bigint generated always as identity primary key,
    kind text not null,
    namespace text not null,
    name text not null,
    body text not null,
    created_at text not null,
    updated_at text not null,
    constraint catalog_entities_key unique (kind, namespace, name)
);
