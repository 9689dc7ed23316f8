//! One module per page, named after its route, so that `/teams/:slug` is `pages::team`.

pub mod account;
pub mod accounts;
pub mod audit;
pub mod catalog;
pub mod escalation_policies;
pub mod escalation_policy;
pub mod escalation_policy_form;
pub mod findings;
pub mod home;
pub mod jobs;
pub mod not_found;
pub mod people;
pub mod person;
pub mod rules;
pub mod schedule;
pub mod schedule_form;
pub mod schedules;
pub mod scorecards;
pub mod service;
pub mod service_form;
pub mod sign_in;
pub mod team;
pub mod team_form;
pub mod team_oncall_health;
pub mod team_scorecard;
pub mod teams;
