//! Dependency freshness: which packages a repository resolves, from its lockfiles, so that
//! they can be compared with what the registries and advisory databases know.

pub mod figures;
pub mod lockfiles;
pub mod osv;
pub mod registry;
pub mod rules;
pub mod versions;

pub use lockfiles::{detect, parse, python_name, Ecosystem, Format, Package, ParseError};
