//! `/jobs`: what the scheduler runs, for admins — each job's schedule, next tick, last run
//! (outcome, duration, counts, error) and last success, a loud "stale" when a job has not
//! succeeded for twice its interval, "Run now" with the run's progress (polled every second
//! while it runs), and the recent runs of every job.

use crate::api::checks::{Job, JobList, JobRun};
use crate::api::github::GithubStatus;
use crate::api::{client, Me};
use crate::components::score::maybe_utc;
use crate::components::status::{ApiErrorView, Loading};
use crate::components::table::DataTable;
use crate::components::timeline::epoch;
use crate::pages::rules::AdminOnly;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use std::time::Duration;

/// Seconds since 1970 of an RFC 3339 UTC instant, fractions dropped.
fn secs(instant: &str) -> Option<i64> {
    epoch(&format!("{}Z", instant.get(..19)?))
}

/// How long a run took (or has taken so far, when `now` is given for a running one).
pub fn duration_text(run: &JobRun) -> String {
    let Some(end) = run.finished_at.as_deref() else {
        return "running".into();
    };
    match (secs(&run.started_at), secs(end)) {
        (Some(s), Some(e)) => match e - s {
            d if d < 1 => "under 1 s".into(),
            d if d < 60 => format!("{d} s"),
            d => format!("{} min {} s", d / 60, d % 60),
        },
        _ => "—".into(),
    }
}

/// `evaluated 40 · opened 2`: what a run did.
pub fn counts_text(run: &JobRun) -> String {
    if run.counts.is_empty() {
        return "—".into();
    }
    run.counts
        .iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect::<Vec<_>>()
        .join(" · ")
}

/// ` 2026-12-02 06:30 UTC · 5 s · evaluated 39`, or only the start while it runs.
fn last_run_text(run: &JobRun) -> String {
    let started = maybe_utc(Some(&run.started_at));
    match run.finished_at {
        Some(_) => format!(" {started} · {} · {}", duration_text(run), counts_text(run)),
        None => format!(" since {started}"),
    }
}

/// `every 15 min` for a schedule's interval.
pub fn interval_text(secs: i64) -> String {
    match secs {
        s if s > 0 && s % 86_400 == 0 => match s / 86_400 {
            1 => "daily".into(),
            7 => "weekly".into(),
            d => format!("every {d} days"),
        },
        s if s > 0 && s % 3_600 == 0 => match s / 3_600 {
            1 => "hourly".into(),
            h => format!("every {h} h"),
        },
        s if s > 0 && s % 60 == 0 => format!("every {} min", s / 60),
        s => format!("every {s} s"),
    }
}

#[component]
fn Outcome(#[prop(into)] outcome: String) -> impl IntoView {
    let class = match outcome.as_str() {
        "succeeded" => "badge status-active",
        "failed" => "badge badge-danger",
        "running" => "badge badge-primary",
        _ => "badge",
    };
    view! { <span class=class data-outcome=outcome.clone()>{outcome.clone()}</span> }
}

#[component]
pub fn JobsPage() -> impl IntoView {
    let refresh = RwSignal::new(0u32);
    let jobs = Resource::new(
        move || refresh.get(),
        |_| client::get::<JobList>("/jobs".into()),
    );
    let me = Resource::new(|| (), |_| client::get::<Me>("/session".into()));
    view! {
        <Title text="Jobs"/>
        <nav class="breadcrumbs" aria-label="Breadcrumb">
            <a href="/scorecards">"Scorecards"</a> " / " <span aria-current="page">"Jobs"</span>
        </nav>
        <h1>"Jobs"</h1>
        <p class="muted">"What Steward runs on a schedule (times in UTC). Each tick runs once across \
            replicas; a job whose last success is older than twice its interval is stale."</p>
        <Transition fallback=|| view! { <Loading label="Loading the jobs…"/> }>
            {move || Suspend::new(async move {
                let admin = me.await.ok().is_some_and(|me| me.role == "admin");
                let notice = (!admin).then(|| view! {
                    <AdminOnly what="Jobs run on their schedule; an admin can start one now."/>
                });
                match jobs.await {
                    Ok(list) => view! {
                        {notice} <JobsView list admin refresh/>
                        {admin.then(|| view! { <GithubPanel/> })}
                    }.into_any(),
                    Err(error) => view! { {notice} <ApiErrorView error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn JobsView(list: JobList, admin: bool, refresh: RwSignal<u32>) -> impl IntoView {
    let JobList { jobs, recent } = list;
    let stale: Vec<String> = jobs
        .iter()
        .filter(|j| j.stale)
        .map(|j| j.title.clone())
        .collect();
    view! {
        {(!stale.is_empty()).then(|| view! {
            <div class="alert alert-warning" id="stale-jobs" role="alert">
                <strong>{format!("Stale: {}. ", stale.join(", "))}</strong>
                "Their last success is older than twice their interval: what they keep fresh is decaying unseen."
            </div>
        })}
        {if jobs.is_empty() {
            view! { <div class="empty-state"><p>"No jobs are registered."</p></div> }.into_any()
        } else {
            view! {
                <div class="job-list" id="jobs">
                    {jobs.into_iter().map(|job| view! { <JobCard job admin refresh/> }).collect_view()}
                </div>
            }.into_any()
        }}
        <section id="recent-runs" aria-labelledby="recent-runs-title">
            <h2 id="recent-runs-title">"Recent runs"</h2>
            <RunTable runs=recent/>
        </section>
    }
}

#[component]
fn JobCard(job: Job, admin: bool, refresh: RwSignal<u32>) -> impl IntoView {
    // The run in progress, as last polled; its end reloads the list.
    let live = RwSignal::new(job.running.clone());
    let error = RwSignal::new(None::<client::ApiError>);
    let name = job.name.clone();
    // Polls `/jobs/runs/{id}` every second while the run is running.
    let poll = move |id: i64| {
        fn step(id: i64, live: RwSignal<Option<JobRun>>, refresh: RwSignal<u32>) {
            set_timeout(
                move || {
                    let request = client::get::<JobRun>(format!("/jobs/runs/{id}"));
                    spawn_local(async move {
                        match request.await {
                            Ok(run) if run.outcome == "running" => {
                                live.set(Some(run));
                                step(id, live, refresh);
                            }
                            Ok(_) | Err(_) => {
                                live.set(None);
                                refresh.update(|n| *n += 1);
                            }
                        }
                    });
                },
                Duration::from_secs(1),
            );
        }
        step(id, live, refresh);
    };
    // A run already going when the page opened is followed too (in the browser only).
    Effect::new(move |_| {
        if let Some(run) = live.get_untracked() {
            poll(run.id);
        }
    });
    let run_now = {
        let name = name.clone();
        move |_| {
            let request = client::send::<_, JobRun>(
                "POST",
                format!("/jobs/{}/run", urlencoding::encode(&name)),
                &(),
            );
            spawn_local(async move {
                match request.await {
                    Ok(run) => {
                        error.set(None);
                        let id = run.id;
                        let running = run.outcome == "running";
                        live.set(Some(run));
                        if running {
                            poll(id);
                        } else {
                            live.set(None);
                            refresh.update(|n| *n += 1);
                        }
                    }
                    Err(e) => error.set(Some(e)),
                }
            });
        }
    };
    let last = match job.last_run.clone() {
        Some(r) => view! {
            <Outcome outcome=r.outcome.clone()/>
            {last_run_text(&r)}
            {r.error.clone().map(|e| view! { <p class="field-error run-error">{e}</p> })}
        }
        .into_any(),
        None => view! { <span class="muted">"never"</span> }.into_any(),
    };
    view! {
        <article class="job" class:stale=job.stale id=format!("job-{}", job.name) data-job=job.name.clone()>
            <div class="page-header">
                <h2>
                    {job.title.clone()}" "<code class="small">{job.name.clone()}</code>
                    {job.stale.then(|| view! { " " <span class="badge badge-danger">"stale"</span> })}
                </h2>
                {admin.then(|| view! {
                    <button type="button" class="button" id=format!("run-{}", job.name)
                        on:click=run_now disabled=move || live.with(Option::is_some)>
                        {move || if live.with(Option::is_some) { "Running…" } else { "Run now" }}
                    </button>
                })}
            </div>
            <p class="muted">{job.description.clone()}</p>
            <dl class="details">
                <dt>"Schedule"</dt>
                <dd><code>{job.schedule.clone()}</code>{format!(" ({})", interval_text(job.interval_secs))}</dd>
                <dt>"Next tick"</dt>
                <dd class="next-tick">{job.next_tick.as_deref().map_or_else(|| "not scheduled on this replica".to_string(), |t| maybe_utc(Some(t)))}</dd>
                <dt>"Last run"</dt>
                <dd class="last-run">{last}</dd>
                <dt>"Last success"</dt>
                <dd class="last-success">{maybe_utc(job.last_success_at.as_deref())}</dd>
            </dl>
            {move || live.get().map(|run| {
                let total = run.progress_total.max(0);
                let done = run.progress_done.clamp(0, total.max(run.progress_done));
                view! {
                    <div class="job-progress" role="status" aria-live="polite" id=format!("progress-{}", run.job)>
                        <label for=format!("progress-bar-{}", run.job)>{format!("Run {} in progress: ", run.id)}</label>
                        <progress id=format!("progress-bar-{}", run.job) max=total.max(1) value=done></progress>
                        <span class="progress-text">{format!(" {done} / {total}")}</span>
                    </div>
                }
            })}
            {move || error.get().map(|error| view! { <ApiErrorView error/> })}
        </article>
    }
}

#[component]
fn RunTable(runs: Vec<JobRun>) -> impl IntoView {
    if runs.is_empty() {
        return view! { <p class="muted" id="runs">"No runs yet."</p> }.into_any();
    }
    let head = [
        "Job", "Started", "Trigger", "Outcome", "Duration", "Counts", "Replica",
    ]
    .map(|h| (h, false))
    .to_vec();
    view! {
        <DataTable id="runs" caption="Recent runs, newest first" head>
                    {runs.into_iter().map(|r| view! {
                        <tr data-run=r.id data-job=r.job.clone()>
                            <th scope="row">{r.job.clone()}</th>
                            <td>{maybe_utc(Some(&r.started_at))}</td>
                            <td>{r.trigger.clone()}</td>
                            <td>
                                <Outcome outcome=r.outcome.clone()/>
                                {r.error.clone().map(|e| view! { <span class="small field-error block">{e}</span> })}
                            </td>
                            <td>{duration_text(&r)}</td>
                            <td class="small">{counts_text(&r)}</td>
                            <td class="small">{r.replica.clone()}</td>
                        </tr>
                    }).collect_view()}
        </DataTable>
    }
    .into_any()
}

/// Issue filing, for admins: GitHub's budget, any wait it asked for, what is not filed yet
/// and why, and each repository's last poll.
#[component]
fn GithubPanel() -> impl IntoView {
    let status = Resource::new(
        || (),
        |_| client::get::<GithubStatus>("/integrations/github".into()),
    );
    view! {
        <section id="github-status" aria-labelledby="github-heading">
            <h2 id="github-heading">"GitHub issues"</h2>
            <Suspense fallback=|| view! { <Loading label="Loading GitHub's budget…"/> }>
                {move || Suspend::new(async move {
                    match status.await {
                        Ok(s) => github_view(s),
                        Err(error) => view! { <ApiErrorView error/> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

fn github_view(s: GithubStatus) -> AnyView {
    if !s.configured {
        return view! {
            <p class="muted" id="github-off">"Future fixes are not filed on GitHub: set STEWARD_GITHUB_TOKEN \
                (and STEWARD_GITHUB_WEBHOOK_SECRET for GitHub's webhook)."</p>
        }
        .into_any();
    }
    let labels = if s.labels.is_empty() {
        "none".to_string()
    } else {
        s.labels.join(", ")
    };
    let webhook = if s.webhook {
        "on"
    } else {
        "off: state comes back by the poll only"
    };
    let pending = s.pending.len();
    view! {
        <p>{format!("Labels: {labels}. Webhook: {webhook}.")}</p>
        {s.blocked_until.map(|u| view! {
            <div class="alert alert-warning" id="github-blocked" role="alert">
                {format!("GitHub asked Steward to wait: no call before {}.", maybe_utc(Some(&u)))}
            </div>
        })}
        <div class="table-scroll"><table class="table" id="github-budget">
            <caption>"Rate-limit budget, as GitHub's last answer said"</caption>
            <thead><tr><th scope="col">"Resource"</th><th scope="col">"Remaining"</th>
                <th scope="col">"Resets"</th><th scope="col">"Seen"</th></tr></thead>
            <tbody>
                {s.budget.into_iter().map(|b| view! {
                    <tr>
                        <td>{b.resource.clone()}</td>
                        <td>{match (b.remaining, b.limit) {
                            (Some(r), Some(l)) => format!("{r} of {l}"),
                            (Some(r), None) => r.to_string(),
                            _ => "—".into(),
                        }}</td>
                        <td>{maybe_utc(b.resets_at.as_deref())}</td>
                        <td>{maybe_utc(Some(&b.observed_at))}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table></div>
        <h3>{format!("Waiting to be filed ({pending})")}</h3>
        {(pending > 0).then(|| view! {
            <div class="table-scroll"><table class="table" id="github-pending">
                <thead><tr><th scope="col">"Fix"</th><th scope="col">"Repository"</th><th scope="col">"Attempts"</th>
                    <th scope="col">"Last error"</th><th scope="col">"Next attempt"</th></tr></thead>
                <tbody>
                    {s.pending.into_iter().map(|p| view! {
                        <tr>
                            <td>{format!("#{} {}", p.fix, p.title)}</td>
                            <td>{p.repository.clone()}</td>
                            <td>{p.attempts}</td>
                            <td class="small">{p.last_error.clone().unwrap_or_default()}</td>
                            <td>{maybe_utc(p.next_attempt_at.as_deref())}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table></div>
        })}
        <h3>"Repositories polled"</h3>
        <div class="table-scroll"><table class="table" id="github-repositories">
            <thead><tr><th scope="col">"Repository"</th><th scope="col">"Issues"</th>
                <th scope="col">"Last poll"</th><th scope="col">"GitHub said"</th></tr></thead>
            <tbody>
                {s.repositories.into_iter().map(|r| view! {
                    <tr>
                        <td>{r.repository.clone()}</td>
                        <td>{r.issues}</td>
                        <td>{maybe_utc(r.polled_at.as_deref())}</td>
                        <td>{match r.last_status {
                            Some(304) => "304 nothing changed".to_string(),
                            Some(0) => "no answer".to_string(),
                            Some(code) => code.to_string(),
                            None => "—".to_string(),
                        }}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table></div>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn run(started: &str, finished: Option<&str>) -> JobRun {
        JobRun {
            id: 1,
            job: "checks".into(),
            tick: "2026-12-02T06:00:00Z".into(),
            trigger: "schedule".into(),
            replica: "host:1".into(),
            started_at: started.into(),
            finished_at: finished.map(String::from),
            outcome: "succeeded".into(),
            progress_done: 0,
            progress_total: 0,
            counts: BTreeMap::new(),
            error: None,
        }
    }

    #[test]
    fn runs_read_plainly() {
        assert_eq!(
            duration_text(&run("2026-12-02T06:00:00Z", Some("2026-12-02T06:00:12.5Z"))),
            "12 s"
        );
        assert_eq!(
            duration_text(&run(
                "2026-12-02T06:00:00.100Z",
                Some("2026-12-02T06:00:00.900Z")
            )),
            "under 1 s"
        );
        assert_eq!(
            duration_text(&run("2026-12-02T06:00:00Z", Some("2026-12-02T06:02:05Z"))),
            "2 min 5 s"
        );
        assert_eq!(duration_text(&run("2026-12-02T06:00:00Z", None)), "running");
        assert_eq!(
            last_run_text(&run("2026-12-02T06:00:00Z", None)),
            " since 2026-12-02 06:00 UTC"
        );
        assert_eq!(
            last_run_text(&run("2026-12-02T06:00:00Z", Some("2026-12-02T06:00:05Z"))),
            " 2026-12-02 06:00 UTC · 5 s · —"
        );
        let mut r = run("2026-12-02T06:00:00Z", None);
        assert_eq!(counts_text(&r), "—");
        r.counts.insert("opened".into(), 2);
        r.counts.insert("evaluated".into(), 40);
        assert_eq!(counts_text(&r), "evaluated 40 · opened 2");
        assert_eq!(interval_text(900), "every 15 min");
        assert_eq!(interval_text(3_600), "hourly");
        assert_eq!(interval_text(604_800), "weekly");
        assert_eq!(interval_text(1), "every 1 s");
    }
}
