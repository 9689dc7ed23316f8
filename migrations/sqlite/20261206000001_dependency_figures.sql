-- Each package use keeps its figures, computed from the registry data held: when its
-- lockfile arrives, and again whenever the registry's answer for its package changes. Reports
-- and the daily trend then add up stored figures instead of recomputing every use from the
-- registry cache (300,000 uses of an organisation in well under a second). Pulse (days since
-- the newest release) moves with the clock and is read from registry_packages instead.
-- `figured` 0 marks uses still to compute: new rows, rows from before this migration, and
-- every row again when the way figures are computed changes (a migration sets it back to 0).
alter table lockfile_packages add column figured integer not null default 0;
-- current | outdated | missing | unknown
alter table lockfile_packages add column state text not null default 'unknown';
alter table lockfile_packages add column libyear real;
alter table lockfile_packages add column majors integer not null default 0;
alter table lockfile_packages add column minors integer not null default 0;
alter table lockfile_packages add column patches integer not null default 0;
alter table lockfile_packages add column breaking integer not null default 0;
alter table lockfile_packages add column yanked integer not null default 0;
alter table lockfile_packages add column released_at text;
-- Figures are stored per version: the package index takes the version too.
drop index lockfile_packages_package;
create index lockfile_packages_package on lockfile_packages (ecosystem, name, version);
create index lockfile_packages_unfigured on lockfile_packages (ecosystem, name, version)
    where figured = 0;
