//! `/scorecards`: the organisation's maintenance scorecard, for leadership and whoever looks
//! after the platform — the weighted percentage and how many services reach each level, the
//! teams ranked lowest first (who needs help first), the trend, the open and unknown findings,
//! and, loudly, jobs that stopped: a scheduler that silently stopped must not look all green.

use crate::api::checks::{LevelCounts, OrgScorecard, TeamScoreRow};
use crate::api::{client, Me};
use crate::components::chart::TrendChart;
use crate::components::score::{percent_text, LevelBadge, LEVEL_COLUMNS};
use crate::components::status::{plural, ApiErrorView, Loading};
use crate::components::table::DataTable;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn ScorecardsPage() -> impl IntoView {
    let scorecard = Resource::new(
        || (),
        |_| client::get::<OrgScorecard>("/scorecards/maintenance".into()),
    );
    let me = Resource::new(|| (), |_| client::get::<Me>("/session".into()));
    view! {
        <Title text="Scorecards"/>
        <div class="page-header">
            <div>
                <h1>"Maintenance scorecards"</h1>
                <p class="muted small">
                    "A level needs every rule of that level and below passing (Bronze, then Silver, \
                     then Gold); the percentage weighs every applicable rule."
                </p>
            </div>
        </div>
        <Transition fallback=|| view! { <Loading label="Loading the scorecards…"/> }>
            {move || Suspend::new(async move {
                let admin = me.await.ok().is_some_and(|me| me.role == "admin");
                match scorecard.await {
                    Ok(card) => view! { <AdminLinks admin/> <Overview card/> }.into_any(),
                    Err(error) => view! { <ApiErrorView error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// Rules and jobs are admin pages; admins reach them from here (and the user menu).
#[component]
fn AdminLinks(admin: bool) -> impl IntoView {
    admin.then(|| {
        view! {
            <p class="on-call-links" id="admin-links">
                <a href="/rules" id="rules-link">"Rules"</a>" · "<a href="/jobs" id="jobs-link">"Jobs"</a>
            </p>
        }
    })
}

/// The warning for jobs that have not succeeded for over twice their interval.
#[component]
pub fn StaleJobs(jobs: Vec<String>) -> impl IntoView {
    (!jobs.is_empty()).then(|| {
        view! {
            <div class="alert alert-warning" id="stale-jobs" role="alert">
                <strong>{format!("Stopped: {}. ", jobs.join(", "))}</strong>
                "These jobs have not succeeded for over twice their interval, so the scores below \
                 may be out of date and decay may go unseen. "
                <a href="/jobs">"See the jobs"</a>
            </div>
        }
    })
}

#[component]
fn Overview(card: OrgScorecard) -> impl IntoView {
    let OrgScorecard {
        percent,
        services,
        levels,
        teams,
        history,
        open_findings,
        unknown_findings,
        fails_soon,
        stale_jobs,
    } = card;
    if services == 0 {
        return view! {
            <StaleJobs jobs=stale_jobs/>
            <div class="empty-state"><p>"No services in the catalog yet: nothing to score."</p></div>
        }
        .into_any();
    }
    view! {
        <StaleJobs jobs=stale_jobs/>
        <ul class="stats score-stats" id="org-summary">
            <li class="stat"><span class="stat-value" id="org-percent">{percent_text(percent)}</span>
                <span class="stat-label">"organisation score"</span></li>
            <li class="stat"><span class="stat-value" id="org-services">{services}</span>
                <span class="stat-label">"services scored"</span></li>
            <li class="stat"><a class="stat-value" id="org-open" href="/findings">{open_findings}</a>
                <span class="stat-label">"open findings"</span></li>
            <li class="stat"><a class="stat-value" id="org-unknown" href="/findings?result=unknown">{unknown_findings}</a>
                <span class="stat-label">"could not be evaluated"</span></li>
            <li class="stat"><span class="stat-value" id="org-fails-soon">{fails_soon}</span>
                <span class="stat-label">"fail within 14 days"</span></li>
        </ul>
        <section id="levels" aria-labelledby="levels-title">
            <h2 id="levels-title">"Services by level"</h2>
            <LevelDistribution levels id="org-levels"/>
        </section>
        <section id="trend" aria-labelledby="trend-title">
            <h2 id="trend-title">"Trend"</h2>
            <TrendChart history id="org-trend" title="Organisation maintenance score by day" counts=true/>
        </section>
        <section id="teams-ranking" aria-labelledby="teams-ranking-title">
            <h2 id="teams-ranking-title">"Teams, lowest score first"</h2>
            <TeamRanking teams/>
        </section>
    }
    .into_any()
}

/// How many services reach each level: a stacked bar (for the eye) and the same as a list.
#[component]
pub fn LevelDistribution(levels: LevelCounts, #[prop(into)] id: String) -> impl IntoView {
    let total = (levels.none + levels.bronze + levels.silver + levels.gold).max(1) as f64;
    let parts = [
        ("gold", levels.gold),
        ("silver", levels.silver),
        ("bronze", levels.bronze),
        ("none", levels.none),
    ];
    let bar = parts
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(level, n)| {
            let width = format!("width: {:.2}%", *n as f64 * 100.0 / total);
            view! { <span class=format!("level-bar-part level-{level}") style=width></span> }
        })
        .collect_view();
    view! {
        <div class="level-distribution" id=id>
            <div class="level-bar" aria-hidden="true">{bar}</div>
            <ul class="level-counts">
                {parts.into_iter().map(|(level, n)| view! {
                    <li data-level=level>
                        <LevelBadge level=level/>" "
                        <strong class="count">{n}</strong>
                        <span class="muted">{format!(" ({:.0}%)", n as f64 * 100.0 / total)}</span>
                    </li>
                }).collect_view()}
            </ul>
        </div>
    }
}

#[component]
fn TeamRanking(teams: Vec<TeamScoreRow>) -> impl IntoView {
    if teams.is_empty() {
        return view! { <p class="muted">"No team owns a scored service yet."</p> }.into_any();
    }
    let rows = teams
        .into_iter()
        .map(|t| {
            view! {
                <tr data-team=t.team.clone()>
                    <th scope="row">
                        <a href=format!("/teams/{}/scorecard", t.team)>{t.name}</a>
                    </th>
                    <td class="num score">{percent_text(t.percent)}</td>
                    <td class="num">{plural(t.services, "service", "services")}</td>
                    <td class="num">{t.levels.gold}</td>
                    <td class="num">{t.levels.silver}</td>
                    <td class="num">{t.levels.bronze}</td>
                    <td class="num">{t.levels.none}</td>
                </tr>
            }
        })
        .collect_view();
    let mut head = vec![("Team", false), ("Score", true), ("Services", true)];
    head.extend(LEVEL_COLUMNS);
    view! {
        <DataTable id="team-ranking" caption="Teams by maintenance score, lowest first" head>
            {rows}
        </DataTable>
    }
    .into_any()
}
