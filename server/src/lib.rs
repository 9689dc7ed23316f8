//! Steward's server: the `steward` binary's library. The README's architecture section is the map.
#![recursion_limit = "512"]

pub mod auth;
pub mod cli;
pub mod configuration;
pub mod demo;
pub mod demo_loader;
pub mod domain;
pub mod error;
pub mod http;
pub mod import_files;
pub mod jobs;
pub mod startup;
pub mod store;
pub mod telemetry;
