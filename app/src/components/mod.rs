//! Views shared by several pages, so that a badge or an error looks the same everywhere.

pub mod access;
pub mod badges;
pub mod chart;
pub mod clock;
pub mod form;
pub mod history;
pub mod layout;
pub mod pagination;
pub mod score;
pub mod status;
pub mod subscribe;
pub mod table;
pub mod timeline;
pub mod window;
