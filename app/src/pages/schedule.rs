//! A schedule's page: who is on call now, the calendar of a week or a month (layers, the final
//! schedule, gaps in red) and its overrides. The window lives in the URL (`?view=month&
//! from=2026-03-02`), so that a link shows the same calendar to whoever opens it.

mod overrides;
mod swaps;

use crate::api::client;
use crate::api::oncall::{LayerSpec, Schedule, Timeline};
use crate::components::status::{ApiErrorView, Loading, NotFound};
use crate::components::subscribe::Subscribe;
use crate::components::timeline::{GapSummary, OnCallNow, TimelineView};
use crate::components::window::{add_days, is_day, today};
use crate::pages::schedule_form::text::{format_participants, format_restrictions};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};
use overrides::{OverrideForm, OverrideList};
use swaps::OpenSwaps;

#[component]
pub fn SchedulePage() -> impl IntoView {
    let params = use_params_map();
    let slug = move || params.with(|p| p.get("slug").unwrap_or_default());
    let schedule = Resource::new(slug, |slug| {
        client::get::<Schedule>(format!("/schedules/{}", urlencoding::encode(&slug)))
    });
    view! {
        <Suspense fallback=|| view! { <Loading label="Loading schedule…"/> }>
            {move || Suspend::new(async move {
                match schedule.await {
                    Ok(schedule) => view! { <ScheduleView schedule/> }.into_any(),
                    Err(e) if e.status == 404 => view! {
                        <Title text="Schedule not found"/>
                        <NotFound title="Schedule not found"
                            message=format!("There is no schedule called “{}”.", slug())
                            back_href="/schedules" back_label="Back to the schedules"/>
                    }
                    .into_any(),
                    Err(error) => view! { <ApiErrorView error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The calendar window: a week or 30 days from a UTC day.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Window {
    month: bool,
    from: String,
    to: String,
}

impl Window {
    /// From `?view=` and `?from=`; anything unreadable falls back to a week from `today`.
    fn of(view: Option<String>, from: Option<String>, today: &str) -> Self {
        let month = view.as_deref() == Some("month");
        let from = from
            .filter(|f| is_day(f))
            .unwrap_or_else(|| today.to_string());
        let to = add_days(&from, Self::length(month)).unwrap_or_default();
        Window { month, from, to }
    }

    fn length(month: bool) -> i64 {
        if month {
            30
        } else {
            7
        }
    }

    fn view(&self) -> &'static str {
        if self.month {
            "month"
        } else {
            "week"
        }
    }

    /// The same window moved by `steps` of its own length.
    fn shifted(&self, steps: i64) -> String {
        add_days(&self.from, steps * Self::length(self.month)).unwrap_or_default()
    }
}

fn layer_summary(layer: &LayerSpec) -> String {
    let turn = match (layer.turn.length, layer.turn.unit.as_str()) {
        (1, "weeks") => "weekly".to_string(),
        (1, "days") => "daily".to_string(),
        (1, "hours") => "hourly".to_string(),
        (n, unit) => format!("every {n} {unit}"),
    };
    let mut text = format!(
        "{turn} from {}: {}",
        layer.start.replace('T', " "),
        format_participants(&layer.participants)
    );
    if !layer.restrictions.is_empty() {
        text.push_str(&format!(
            "; only {}",
            format_restrictions(&layer.restrictions)
        ));
    }
    if let Some(end) = &layer.end {
        let end = end.get(..16).unwrap_or(end).replace('T', " ");
        text.push_str(&format!("; ends {end} UTC"));
    }
    text
}

#[component]
fn ScheduleView(schedule: Schedule) -> impl IntoView {
    let query = use_query_map();
    let today = today();
    let window =
        Memo::new(move |_| query.with(|q| Window::of(q.get("view"), q.get("from"), &today)));
    // Bumped after an override is added or removed or a swap is taken: the calendar and the
    // lists are fetched again.
    let refresh = RwSignal::new(0u32);
    let slug = schedule.slug.clone();
    let path = format!("/schedules/{}", urlencoding::encode(&slug));
    let timeline = Resource::new(move || (window.get(), refresh.get()), {
        let path = path.clone();
        move |(w, _): (Window, u32)| {
            client::get::<Timeline>(format!("{path}/timeline?from={}&to={}", w.from, w.to))
        }
    });
    let (start, end) = (RwSignal::new(String::new()), RwSignal::new(String::new()));
    let on_select = Callback::new(move |(s, e): (String, String)| {
        start.set(s);
        end.set(e);
    });
    let range = Signal::derive(move || window.with(|w| (w.from.clone(), w.to.clone())));
    let href = {
        let slug = slug.clone();
        move |view: &str, from: Option<String>| match from {
            Some(f) => format!("/schedules/{slug}?view={view}&from={f}"),
            None => format!("/schedules/{slug}?view={view}"),
        }
    };
    let nav = move || {
        let w = window.get();
        let last = add_days(&w.to, -1).unwrap_or_default();
        let current = |month: bool| (w.month == month).then_some("page");
        view! {
            <nav class="calendar-nav" aria-label="Calendar">
                <div class="toggle" role="group" aria-label="View">
                    <a id="view-week" href=href("week", Some(w.from.clone())) aria-current=current(false)>"Week"</a>
                    <a id="view-month" href=href("month", Some(w.from.clone())) aria-current=current(true)>"Month"</a>
                </div>
                <div class="steps">
                    <a class="button" id="prev" href=href(w.view(), Some(w.shifted(-1)))>"← Previous"</a>
                    <a class="button" id="today" href=href(w.view(), None)>"Today"</a>
                    <a class="button" id="next" href=href(w.view(), Some(w.shifted(1)))>"Next →"</a>
                </div>
                <p class="window-label" id="window-label">{format!("{} – {} (UTC days)", w.from, last)}</p>
            </nav>
        }
    };
    let layers = schedule
        .layers
        .iter()
        .map(|l| view! { <li><strong>{l.name.clone()}</strong>": "{layer_summary(l)}</li> })
        .collect_view();

    view! {
        <Title text=schedule.name.clone()/>
        <nav class="breadcrumbs" aria-label="Breadcrumb">
            <a href="/schedules">"On-call"</a> " / " <span aria-current="page">{slug.clone()}</span>
        </nav>
        <div class="page-header">
            <h1>{schedule.name.clone()}</h1>
            <div class="actions">
                <a class="button" id="edit-schedule" href=format!("/schedules/{slug}/edit")>"Edit"</a>
                <DeleteSchedule slug=slug.clone()/>
            </div>
        </div>
        {schedule.description.clone().map(|d| view! { <p class="description">{d}</p> })}
        <dl class="details" id="schedule-details">
            <dt>"Team"</dt>
            <dd>
                <a id="schedule-team" href=format!("/teams/{}", schedule.team)>{schedule.team.clone()}</a>
                " · "
                <a id="schedule-health" href=format!("/teams/{}/oncall-health#schedule-{slug}", schedule.team)>"On-call health"</a>
            </dd>
            <dt>"Time zone"</dt>
            <dd id="schedule-zone">{schedule.time_zone.clone()}</dd>
            <dt>"Layers"</dt>
            <dd>
                {if schedule.layers.is_empty() { Some("none: the schedule is one long gap") } else { None }}
                <ul class="layer-list" id="layer-list">{layers}</ul>
            </dd>
        </dl>
        <OnCallNow path=format!("/teams/{}/oncall", urlencoding::encode(&schedule.team))/>
        <Subscribe api_path=format!("{path}/feeds") what="this schedule"/>
        <section id="calendar" aria-labelledby="calendar-title">
            <h2 id="calendar-title">"Calendar"</h2>
            {nav}
            <Transition fallback=|| view! { <Loading label="Computing the schedule…"/> }>
                {move || Suspend::new(async move {
                    match timeline.await {
                        Ok(timeline) => view! {
                            <GapSummary seconds=timeline.gap_seconds/>
                            <div id="timeline"><TimelineView timeline on_select/></div>
                            <p class="hint">"Drag across the “On call” row to choose an interval for an override."</p>
                        }.into_any(),
                        Err(error) => view! { <ApiErrorView error/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
        <section id="overrides-section" aria-labelledby="overrides-title">
            <h2 id="overrides-title">"Overrides"</h2>
            <p class="muted">"An override puts someone on call over an interval, above every layer."</p>
            <OverrideForm path=path.clone() start end refresh/>
            <OverrideList path range refresh/>
        </section>
        <OpenSwaps slug=slug.clone() team=schedule.team.clone() refresh/>
    }
}

#[component]
fn DeleteSchedule(slug: String) -> impl IntoView {
    let error = RwSignal::new(None);
    let navigate = use_navigate();
    let on_click = move |_| {
        let question =
            format!("Delete the schedule “{slug}” and its overrides? This cannot be undone.");
        if !window().confirm_with_message(&question).unwrap_or(false) {
            return;
        }
        let request = client::delete(format!("/schedules/{}", urlencoding::encode(&slug)));
        let navigate = navigate.clone();
        spawn_local(async move {
            match request.await {
                Ok(()) => navigate("/schedules", Default::default()),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <button type="button" class="button button-danger" id="delete-schedule" on:click=on_click>"Delete"</button>
        {move || error.get().map(|error| view! { <ApiErrorView error/> })}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_comes_from_the_query_or_today() {
        let w = Window::of(None, None, "2026-03-02");
        assert_eq!(
            (w.month, w.from.as_str(), w.to.as_str()),
            (false, "2026-03-02", "2026-03-09")
        );
        assert_eq!(w.shifted(-1), "2026-02-23");
        let m = Window::of(
            Some("month".into()),
            Some("2026-02-01".into()),
            "2026-03-02",
        );
        assert_eq!((m.view(), m.to.as_str()), ("month", "2026-03-03"));
        assert_eq!(m.shifted(1), "2026-03-03");
        let bad = Window::of(Some("year".into()), Some("tomorrow".into()), "2026-03-02");
        assert_eq!(bad, w);
    }
}
