//! API integration tests: the real application on a free port, SQLite and PostgreSQL.

mod accounts;
mod audit;
mod authz_matrix;
mod catalog;
mod checks;
mod cli;
mod escalation;
mod feeds;
mod fixes;
mod github;
mod github_issues;
mod health;
mod helpers;
mod incidents;
mod notifications;
mod oncall;
mod oncall_health;
mod people;
mod runbooks;
mod scheduler;
mod services;
mod sessions;
mod store;
mod swaps;
mod teams;
mod upstream;
