//! Steward's connections to the world outside: each integration fetches or sends with a
//! timeout, and what comes back is checked before anything is stored.

pub mod github;
pub mod notify;
pub mod osv;
pub mod registries;
