//! Pure rules over plain data: no database, no network. Everything here is unit-tested.

pub mod authz;
pub mod backstage;
pub mod catalog;
pub mod checks;
pub mod deps;
pub mod fixes;
pub mod graph;
pub mod incidents;
pub mod oncall;
pub mod records;
pub mod runbooks;
