//! The decay checks' storage: the snapshot the rules read, rule settings, the pass that keeps
//! findings and scores in line, findings and exemptions, and the scorecards.

pub mod findings;
pub mod pass;
pub mod rules;
pub mod scores;
pub mod snapshot;

use crate::domain::checks::{self as checks, evaluate, Outcome, Verdict};
use crate::error::{Error, Result};
use crate::store::Store;
use chrono::Utc;
use std::collections::BTreeMap;
use steward_app::api::checks::{DryRun, DryRunTeam, RuleInput};

/// What rule `id` with the proposed settings would report over every service now, beside
/// what it reports with the settings in force. Nothing is stored.
pub async fn dry_run(store: &Store, id: &str, input: &RuleInput) -> Result<DryRun> {
    let def = checks::rule(id).ok_or_else(|| Error::NotFound(format!("rule '{id}'")))?;
    let proposed = rules::check(def, input)?;
    let mut conn = store.pool.acquire().await?;
    let current = rules::effective(&mut conn)
        .await?
        .into_iter()
        .find(|(d, _)| d.id == id)
        .map(|(_, s)| s)
        .unwrap_or_else(|| (def.defaults)());
    let snap = snapshot::cached(store, &mut conn, Utc::now()).await?;
    let failing = |v: &Verdict| match v {
        Verdict::Outcomes(o) => o.iter().any(|o| matches!(o, Outcome::Fail { .. })),
        Verdict::Error(_) => true,
        _ => false,
    };
    let mut out = DryRun {
        rule: id.into(),
        evaluated: snap.services.len() as i64,
        failing: 0,
        unknown: 0,
        passing: 0,
        not_applicable: 0,
        by_team: Vec::new(),
        newly_failing: Vec::new(),
        newly_passing: Vec::new(),
    };
    let mut teams: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for s in snap.services.iter() {
        let now_v = evaluate(def, &current, &snap, s);
        let new_v = evaluate(def, &proposed, &snap, s);
        let fails = failing(&new_v);
        match &new_v {
            Verdict::Disabled | Verdict::NotApplicable => out.not_applicable += 1,
            _ if fails => {
                out.failing += 1;
                let team = s.owners.first().cloned().unwrap_or_else(|| "-".into());
                teams.entry(team).or_default().push(s.slug.clone());
            }
            Verdict::Outcomes(o) if o.iter().any(|o| matches!(o, Outcome::Unknown { .. })) => {
                out.unknown += 1
            }
            _ => out.passing += 1,
        }
        match (failing(&now_v), fails) {
            (false, true) => out.newly_failing.push(s.slug.clone()),
            (true, false) => out.newly_passing.push(s.slug.clone()),
            _ => {}
        }
    }
    out.by_team = teams
        .into_iter()
        .map(|(team, services)| DryRunTeam {
            team,
            failing: services.len() as i64,
            services,
        })
        .collect();
    out.by_team
        .sort_by(|a, b| b.failing.cmp(&a.failing).then(a.team.cmp(&b.team)));
    Ok(out)
}
