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
    releases integer not null default 0,
    -- the last good answer (200, 304 or 404), and the last attempt
    fetched_at text,
    checked_at text,
    error text,
    failures integer not null default 0,
    next_at text not null,
    primary key (ecosystem, name)
);
create index registry_packages_next on registry_packages (next_at);

create table registry_releases (
    ecosystem text not null,
    name text not null,
    version text not null,
    published text,
    yanked integer not null,
    primary key (ecosystem, name, version)
);

-- Each service's freshness figures, one row a day (the last computation of the day wins), for
-- trend charts of services, teams and the organisation.
create table dependency_days (
    service_id integer not null constraint dependency_days_service_fkey references services (id) on delete cascade,
    day text not null,
    packages integer not null,
    direct integer not null,
    outdated integer not null,
    breaking integer not null,
    yanked integer not null,
    missing integer not null,
    unknown integer not null,
    libyear real not null,
    libyear_direct real not null,
    computed_at text not null,
    primary key (service_id, day)
);
