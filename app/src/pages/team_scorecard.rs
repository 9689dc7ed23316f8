//! `/teams/{slug}/scorecard`: a team's maintenance scorecard, for its lead — every service
//! against every rule in one grid (each cell a symbol and a word, so it reads without colour),
//! what to fix first (the rules whose fixing gains the team most), what fails soon, the trend.

use crate::api::checks::{FixFirst, RuleColumn, ServiceScoreRow, TeamScorecard};
use crate::api::client;
use crate::components::badges::TierBadge;
use crate::components::chart::TrendChart;
use crate::components::score::{percent_text, FailsSoonList, LevelBadge, StatusLegend, StatusMark};
use crate::components::status::{found_or, Loading, Missing};
use crate::pages::scorecards::LevelDistribution;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
pub fn TeamScorecardPage() -> impl IntoView {
    let params = use_params_map();
    let slug = move || params.with(|p| p.get("slug").unwrap_or_default());
    let scorecard = Resource::new(slug, |slug| {
        client::get::<TeamScorecard>(format!("/teams/{}/scorecard", urlencoding::encode(&slug)))
    });
    view! {
        <Title text=move || format!("Scorecard · {}", slug())/>
        <nav class="breadcrumbs" aria-label="Breadcrumb">
            <a href="/teams">"Teams"</a> " / "
            <a href=move || format!("/teams/{}", slug())>{slug}</a> " / "
            <span aria-current="page">"Scorecard"</span>
        </nav>
        <Transition fallback=|| view! { <Loading label="Loading the scorecard…"/> }>
            {move || Suspend::new(async move {
                found_or(scorecard.await, |card| view! { <TeamCard card/> }.into_any(), || Missing {
                    title: "Team not found",
                    message: format!("There is no team called “{}”.", slug()),
                    back_href: "/teams",
                    back_label: "Back to the teams",
                })
            })}
        </Transition>
    }
}

#[component]
fn TeamCard(card: TeamScorecard) -> impl IntoView {
    let TeamScorecard {
        team,
        name,
        percent,
        levels,
        rules,
        services,
        fix_first,
        fails_soon,
        history,
    } = card;
    let header = view! {
        <div class="page-header">
            <div>
                <h1>{format!("Scorecard: {name}")}</h1>
                <p class="small muted">
                    <a href="/scorecards">"All teams"</a>" · "
                    <a id="team-findings" href=format!("/findings?team={}", urlencoding::encode(&team))>"This team’s open findings"</a>
                </p>
            </div>
            <p class="score-big" id="team-percent">{percent_text(percent)}</p>
        </div>
    };
    if services.is_empty() {
        return view! {
            {header}
            <div class="empty-state">
                <p>"This team owns no services, so there is nothing to score. "
                    <a href=format!("/teams/{team}")>"Back to the team"</a></p>
            </div>
        }
        .into_any();
    }
    // Fix-first names services by slug; the grid knows their names.
    let names: Vec<(String, String)> = services
        .iter()
        .map(|s| (s.service.clone(), s.name.clone()))
        .collect();
    view! {
        {header}
        <LevelDistribution levels id="team-levels"/>
        <section id="grid" aria-labelledby="grid-title">
            <h2 id="grid-title">"Services × rules"</h2>
            <StatusLegend/>
            <Grid rules services/>
        </section>
        <div class="columns">
            <section id="fix-first" aria-labelledby="fix-first-title">
                <h2 id="fix-first-title">"What to fix first"</h2>
                <FixFirstList items=fix_first names/>
            </section>
            <section id="fails-soon" aria-labelledby="fails-soon-title">
                <h2 id="fails-soon-title">"Fails soon"</h2>
                <FailsSoonList items=fails_soon show_service=true id="team-fails-soon"/>
            </section>
        </div>
        <section id="trend" aria-labelledby="trend-title">
            <h2 id="trend-title">"Trend"</h2>
            <TrendChart history id="team-trend" title=format!("{name}: maintenance score by day") counts=true/>
        </section>
    }
    .into_any()
}

/// The grid: a row per service (level and score first), a column per rule.
#[component]
fn Grid(rules: Vec<RuleColumn>, services: Vec<ServiceScoreRow>) -> impl IntoView {
    let head = rules
        .iter()
        .map(|r| {
            view! {
                <th scope="col" class="rule-col" data-rule=r.rule.clone()
                    title=format!("{} · {} · weight {}", r.title, r.level, r.weight)>
                    {r.title.clone()}
                </th>
            }
        })
        .collect_view();
    let rule_ids: Vec<String> = rules.into_iter().map(|r| r.rule).collect();
    let rows = services
        .into_iter()
        .map(|s| {
            let cells = s
                .cells
                .into_iter()
                .zip(rule_ids.iter().cloned())
                .map(|(status, rule)| {
                    let class = format!("cell cell-{status}");
                    view! {
                        <td class=class data-rule=rule>
                            <StatusMark status/>
                        </td>
                    }
                })
                .collect_view();
            view! {
                <tr data-service=s.service.clone()>
                    <th scope="row">
                        <a href=format!("/services/{}", s.service)>{s.name}</a>" "<TierBadge tier=s.tier/>
                    </th>
                    <td><LevelBadge level=s.level/></td>
                    <td class="num score">{percent_text(s.percent)}</td>
                    {cells}
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-wrap">
            <table class="data-table score-grid" id="score-grid">
                <caption class="visually-hidden">"Each service's status for each rule"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Service"</th>
                        <th scope="col">"Level"</th>
                        <th scope="col" class="num">"Score"</th>
                        {head}
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

/// `+4.2 points`.
fn gain_text(gain: f64) -> String {
    format!("+{gain:.1} points")
}

#[component]
fn FixFirstList(items: Vec<FixFirst>, names: Vec<(String, String)>) -> impl IntoView {
    if items.is_empty() {
        return view! { <p class="muted" id="fix-first-list">"Nothing to fix: every rule passes."</p> }
            .into_any();
    }
    let name_of = move |slug: &str| {
        names
            .iter()
            .find(|(s, _)| s == slug)
            .map_or_else(|| slug.to_string(), |(_, n)| n.clone())
    };
    view! {
        <ol class="fix-first" id="fix-first-list">
            {items.into_iter().map(|f| view! {
                <li data-rule=f.rule.clone()>
                    <p>
                        <strong>{f.title}</strong>" "<LevelBadge level=f.level/>" "
                        <span class="gain">{gain_text(f.gain)}</span>
                    </p>
                    <p class="small">
                        {f.services.iter().enumerate().map(|(i, s)| view! {
                            {(i > 0).then_some(", ")}
                            <a href=format!("/services/{s}")>{name_of(s)}</a>
                        }).collect_view()}
                    </p>
                    <p class="how-to-fix small">{f.how_to_fix}</p>
                </li>
            }).collect_view()}
        </ol>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gains_read_as_points() {
        assert_eq!(gain_text(4.26), "+4.3 points");
    }
}
