-- Lockfiles as last received for a service (pushed from CI, or later read from its
-- repository), and the packages each resolves. A new copy of the same path replaces the old
-- one only once it has parsed: a bad upload leaves the last good snapshot in place.
create table lockfiles (
    id integer primary key,
    service_id integer not null constraint lockfiles_service_fkey references services (id) on delete cascade,
    path text not null,
    format text not null,
    -- push | github
    source text not null,
    sha256 text not null,
    packages integer not null,
    received_at text not null,
    received_by text not null,
    constraint lockfiles_path unique (service_id, path)
);

create table lockfile_packages (
    lockfile_id integer not null constraint lockfile_packages_lockfile_fkey references lockfiles (id) on delete cascade,
    ecosystem text not null,
    name text not null,
    version text not null,
    -- 1 direct, 0 transitive, null when the lockfile does not say
    direct integer,
    primary key (lockfile_id, ecosystem, name, version)
);
create index lockfile_packages_package on lockfile_packages (ecosystem, name);
