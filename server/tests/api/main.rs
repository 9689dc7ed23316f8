//! API integration tests: the real application on a free port, SQLite and PostgreSQL.

mod catalog;
mod health;
mod helpers;
mod people;
mod services;
mod teams;
