//! `/rules` and `/rules/{id}`: the checks and their settings, for admins — category, severity,
//! level, weight, thresholds by tier, grace date — and a form per rule that shows the API's
//! field errors and can dry-run the new settings over every service (what would fail, per
//! team) before they are saved. Others see the rules read-only with a plain "only admins".

mod form;

use crate::api::checks::{Rule, TierThresholds};
use crate::api::{client, Me};
use crate::components::clock::utc;
use crate::components::score::{maybe_utc, LevelBadge};
use crate::components::status::{found_or, ApiErrorView, Loading, Missing};
use crate::components::table::DataTable;
use form::RuleForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

/// The notice non-admins get on the rules and jobs pages.
#[component]
pub fn AdminOnly(what: &'static str) -> impl IntoView {
    view! {
        <div class="alert alert-warning" id="admin-only" role="note">
            <strong>"Only admins can change these. "</strong>
            {what}
        </div>
    }
}

/// `T1 14 · T2 7 · T3 3 · T4 1 days ahead`, or `—` for a rule without thresholds.
pub fn thresholds_text(t: Option<&TierThresholds>, label: Option<&str>) -> String {
    match t {
        Some(t) => format!(
            "T1 {} · T2 {} · T3 {} · T4 {}{}",
            t.tier1,
            t.tier2,
            t.tier3,
            t.tier4,
            label.map(|l| format!(" {l}")).unwrap_or_default()
        ),
        None => "—".into(),
    }
}

/// Which services a rule applies to, in words: `tiers 1, 2 · production · all kinds`.
pub fn applies_text(rule: &Rule) -> String {
    let a = &rule.applies;
    let tiers = if a.tiers.is_empty() {
        "all tiers".to_string()
    } else {
        let t: Vec<String> = a.tiers.iter().map(i64::to_string).collect();
        format!("tiers {}", t.join(", "))
    };
    let list = |v: &[String], all: &str| {
        if v.is_empty() {
            all.to_string()
        } else {
            v.join(", ")
        }
    };
    format!(
        "{tiers} · {} · {}",
        list(&a.lifecycles, "every lifecycle"),
        list(&a.kinds, "all kinds")
    )
}

#[component]
pub fn RulesPage() -> impl IntoView {
    let rules = Resource::new(|| (), |_| client::get::<Vec<Rule>>("/rules".into()));
    let me = Resource::new(|| (), |_| client::get::<Me>("/session".into()));
    view! {
        <Title text="Rules"/>
        <nav class="breadcrumbs" aria-label="Breadcrumb">
            <a href="/scorecards">"Scorecards"</a> " / " <span aria-current="page">"Rules"</span>
        </nav>
        <h1>"Rules"</h1>
        <p class="muted">"The checks behind the scorecards. A level needs every enabled rule of \
            that level and below passing; the weight counts in the percentage; thresholds scale \
            with the tier (1 has the largest blast radius)."</p>
        <Transition fallback=|| view! { <Loading label="Loading the rules…"/> }>
            {move || Suspend::new(async move {
                let admin = me.await.ok().is_some_and(|me| me.role == "admin");
                let notice = (!admin).then(|| view! {
                    <AdminOnly what="Ask an admin to enable, disable or tune a rule."/>
                });
                match rules.await {
                    Ok(list) => view! { {notice} <RuleTable list admin/> }.into_any(),
                    Err(error) => view! { {notice} <ApiErrorView error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn RuleTable(list: Vec<Rule>, admin: bool) -> impl IntoView {
    if list.is_empty() {
        return view! { <div class="empty-state"><p>"No rules are registered."</p></div> }
            .into_any();
    }
    let rows = list
        .into_iter()
        .map(|r| {
            let applies = applies_text(&r);
            let thresholds = thresholds_text(r.thresholds.as_ref(), r.threshold_label.as_deref());
            let name = if admin {
                view! { <a href=format!("/rules/{}", r.id)>{r.title.clone()}</a> }.into_any()
            } else {
                view! { <span>{r.title.clone()}</span> }.into_any()
            };
            view! {
                <tr data-rule=r.id.clone() class:disabled=!r.enabled>
                    <th scope="row">
                        {name}
                        <span class="small muted block"><code>{r.id.clone()}</code>" · "{applies}</span>
                    </th>
                    <td>{r.category}</td>
                    <td>{r.severity}</td>
                    <td><LevelBadge level=r.level/></td>
                    <td class="num">{r.weight}</td>
                    <td class="enabled">{if r.enabled { "enabled" } else { "disabled" }}
                        {r.customized.then(|| view! { " " <span class="badge">"customized"</span> })}</td>
                    <td class="small">{thresholds}</td>
                    <td class="small">{maybe_utc(r.enforced_from.as_deref())}</td>
                    <td class="num failing">{r.failing}</td>
                </tr>
            }
        })
        .collect_view();
    let head = vec![
        ("Rule", false),
        ("Category", false),
        ("Severity", false),
        ("Level", false),
        ("Weight", true),
        ("State", false),
        ("Thresholds by tier", false),
        ("Enforced from", false),
        ("Failing", true),
    ];
    view! {
        <DataTable id="rules-table" caption="Rules and their settings" head>{rows}</DataTable>
    }
    .into_any()
}

/// `/rules/{id}`: one rule, and for admins its form.
#[component]
pub fn RulePage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let rule = Resource::new(id, |id| {
        client::get::<Rule>(format!("/rules/{}", urlencoding::encode(&id)))
    });
    let me = Resource::new(|| (), |_| client::get::<Me>("/session".into()));
    view! {
        <Title text=move || format!("Rule · {}", id())/>
        <nav class="breadcrumbs" aria-label="Breadcrumb">
            <a href="/scorecards">"Scorecards"</a> " / " <a href="/rules">"Rules"</a> " / "
            <span aria-current="page">{id}</span>
        </nav>
        <Transition fallback=|| view! { <Loading label="Loading the rule…"/> }>
            {move || Suspend::new(async move {
                let admin = me.await.ok().is_some_and(|me| me.role == "admin");
                found_or(rule.await, |rule| view! { <RuleView rule admin/> }.into_any(), || Missing {
                    title: "Rule not found",
                    message: format!("There is no rule called “{}”.", id()),
                    back_href: "/rules",
                    back_label: "Back to the rules",
                })
            })}
        </Transition>
    }
}

#[component]
fn RuleView(rule: Rule, admin: bool) -> impl IntoView {
    let applies = applies_text(&rule);
    let changed = rule.updated_at.as_deref().map(|at| {
        format!(
            "Last changed {} by {}.",
            utc(at),
            rule.updated_by.as_deref().unwrap_or("someone")
        )
    });
    view! {
        <div class="page-header">
            <div>
                <h1>{rule.title.clone()}</h1>
                <p class="badges">
                    <LevelBadge level=rule.level.clone()/>
                    <span class="badge">{rule.category.clone()}</span>
                    <span class="badge">{rule.severity.clone()}</span>
                    {(!rule.enabled).then(|| view! { <span class="badge badge-warning">"disabled"</span> })}
                </p>
            </div>
        </div>
        <p class="description">{rule.description.clone()}</p>
        <dl class="details" id="rule-details">
            <dt>"How to fix"</dt><dd>{rule.how_to_fix.clone()}</dd>
            <dt>"Applies to"</dt><dd>{applies}</dd>
            <dt>"Failing now"</dt><dd id="rule-failing">{rule.failing}</dd>
            {changed.map(|c| view! { <dt>"Changed"</dt><dd>{c}</dd> })}
        </dl>
        {if admin {
            view! { <RuleForm rule/> }.into_any()
        } else {
            view! { <AdminOnly what="Ask an admin to change this rule."/> }.into_any()
        }}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::checks::RuleApplies;

    #[test]
    fn settings_read_as_text() {
        let t = TierThresholds {
            tier1: 14,
            tier2: 7,
            tier3: 3,
            tier4: 1,
        };
        assert_eq!(
            thresholds_text(Some(&t), Some("days ahead")),
            "T1 14 · T2 7 · T3 3 · T4 1 days ahead"
        );
        assert_eq!(thresholds_text(None, None), "—");
        let mut rule = form::tests::rule();
        assert_eq!(
            applies_text(&rule),
            "all tiers · every lifecycle · all kinds"
        );
        rule.applies = RuleApplies {
            tiers: vec![1, 2],
            lifecycles: vec!["production".into()],
            kinds: Vec::new(),
        };
        assert_eq!(applies_text(&rule), "tiers 1, 2 · production · all kinds");
    }
}
