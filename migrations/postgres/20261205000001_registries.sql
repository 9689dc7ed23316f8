-- What the package registries said of each package in use anywhere in the organisation: one
-- lookup per package, kept with its ETag and looked up again once `next_at` has passed. A
-- registry that fails leaves the last good answer in place (`error` says why, `fetched_at`
-- how old the data is).
create table registry_packages (
    ecosystem text not null,
    name text not null,
    -- found | missing (the registry answered 404); null until the first good answer
    status text,
    etag text,
    latest text,
    latest_at text,
    last_release_at text,
    releases bigint not null default 0,
    -- the last good answer (200, 304 or 404), and the last attempt
    fetched_at text,
    checked_at text,
    error text,
    failures bigint not null default 0,
    next_at text not null,
    primary key (ecosystem, name)
);
create index registry_packages_next on registry_packages (next_at);

create table registry_releases (
    ecosystem text not null,
    name text not null,
    version text not null,
    published text,
    yanked bigint not null,
    primary key (ecosystem, name, version)
);

-- Each service's freshness figures, one row a day (the last computation of the day wins), for
-- trend charts of services, teams and the organisation.
create table dependency_days (
    service_id bigint not null constraint dependency_days_service_fkey references services (id) on delete cascade,
    day text not null,
    packages bigint not null,
    direct bigint not null,
    outdated bigint not null,
    breaking bigint not null,
    yanked bigint not null,
    missing bigint not null,
    unknown bigint not null,
    libyear double precision not null,
    libyear_direct double precision not null,
    computed_at text not null,
    primary key (service_id, day)
);
