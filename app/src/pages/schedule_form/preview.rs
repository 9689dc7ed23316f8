//! The live preview of the schedule form: the schedule as it would be saved over the next two
//! weeks, and, when editing, as it is now, so that a change's effect is seen before saving.

use crate::api::client::query_string;
use crate::api::oncall::Preview;
use crate::components::timeline::{GapSummary, TimelineView};
use crate::components::window::{add_days, today};
use leptos::prelude::*;

/// How far ahead the preview looks.
const PREVIEW_DAYS: i64 = 14;

/// `POST` path of a preview from today (UTC) on.
pub fn preview_path() -> String {
    let from = today();
    let to = add_days(&from, PREVIEW_DAYS);
    let window = query_string(&[("from", Some(from)), ("to", to)]);
    format!("/schedules/preview{window}")
}

/// The proposed schedule (`#preview`) and, when editing, the saved one (`#current`).
#[component]
pub fn PreviewView(
    preview: RwSignal<Option<Preview>>,
    previewing: RwSignal<bool>,
    show_current: bool,
) -> impl IntoView {
    view! {
        <section class="preview" aria-labelledby="preview-title" aria-busy=move || previewing.get().to_string()>
            <h2 id="preview-title">"Preview"</h2>
            {move || match preview.get() {
                None => view! {
                    <p class="muted" id="preview-empty">
                        {if previewing.get() {
                            "Computing the preview…"
                        } else {
                            "Fill in the schedule and its layers (a first handoff and participants) to see the next two weeks, or press Preview."
                        }}
                    </p>
                }.into_any(),
                Some(p) => {
                    let current = p.current.filter(|_| show_current).map(|timeline| view! {
                        <h3>"Now"</h3>
                        <div id="current"><TimelineView timeline/></div>
                    });
                    let gap = p.proposed.gap_seconds;
                    view! {
                        <div id="preview" data-gap-seconds=gap>
                            <GapSummary seconds=gap/>
                            <TimelineView timeline=p.proposed/>
                        </div>
                        {current}
                    }.into_any()
                }
            }}
        </section>
    }
}
