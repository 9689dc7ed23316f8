//! Dependency freshness: which packages a repository resolves, from its lockfiles, so that
//! they can be compared with what the registries and advisory databases know.

pub mod lockfiles;

pub use lockfiles::{detect, parse, python_name, Ecosystem, Format, Package, ParseError};
