-- What OSV says of the package versions in use. Each distinct (ecosystem, name, version) in
-- use anywhere is asked about once for the whole organisation (querybatch, 1,000 a call) and
-- again once `next_at` has passed; each advisory is fetched once, and again only when OSV's
-- `modified` moves. A fault leaves the last good answer in place (`error` says why).
create table osv_checks (
    ecosystem text not null,
    name text not null,
    version text not null,
    -- the last good answer, and the last attempt
    checked_at text,
    attempted_at text not null,
    error text,
    failures bigint not null default 0,
    next_at text not null,
    primary key (ecosystem, name, version)
);
create index osv_checks_next on osv_checks (next_at);

-- Advisories as OSV records them (from its API, or from an export archive an admin loaded).
create table vulnerabilities (
    id text primary key,
    modified text not null,
    published text,
    withdrawn text,
    summary text not null,
    -- CVE and GHSA names of the same advisory, space-separated
    aliases text not null,
    -- critical | high | medium | low | unknown
    severity text not null,
    score double precision,
    vector text,
    -- the record as read: its ranges give fixed versions and, for archives, what is affected
    record text not null,
    -- api | archive
    source text not null,
    fetched_at text not null
);

-- Which advisories affect each version in use, with the lowest fixed version above it.
create table package_vulnerabilities (
    ecosystem text not null,
    name text not null,
    version text not null,
    vulnerability_id text not null,
    fixed text,
    -- RustSec's kind of an advisory that is no vulnerability: unmaintained | unsound | notice
    informational text,
    primary key (ecosystem, name, version, vulnerability_id)
);
create index package_vulnerabilities_id on package_vulnerabilities (vulnerability_id);

-- Per use: open advisories (vulnerabilities, withdrawn ones aside), and unmaintained notices.
alter table lockfile_packages add column vulnerable bigint not null default 0;
alter table lockfile_packages add column unmaintained bigint not null default 0;
alter table dependency_days add column vulnerable bigint not null default 0;
alter table dependency_days add column unmaintained bigint not null default 0;
-- Uses figured before advisories were counted are figured again.
update lockfile_packages set figured = 0;
-- Every version in use is due for its first question.
insert into osv_checks (ecosystem, name, version, attempted_at, next_at)
    select distinct ecosystem, name, version, '', '' from lockfile_packages;
