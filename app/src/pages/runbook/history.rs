//! A runbook's versions, and the difference between any two of them: the markdown, the failure
//! modes and the links, line by line.

use crate::api::client;
use crate::api::runbooks::{self, DiffLine, RunbookDiff, RunbookVersionSummary};
use crate::components::clock::utc;
use crate::components::status::{ApiErrorView, Loading};
use crate::components::table::DataTable;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The history of `slug`'s runbook, read again whenever `version` moves.
#[component]
pub fn VersionHistory(slug: String, version: Signal<i64>) -> impl IntoView {
    let path = runbooks::path(&slug, "");
    let list = Resource::new(move || version.get(), {
        let path = path.clone();
        move |_| client::get::<Vec<RunbookVersionSummary>>(format!("{path}/versions"))
    });
    view! {
        <section id="runbook-history" aria-labelledby="runbook-history-title">
            <h2 id="runbook-history-title">"History"</h2>
            <Transition fallback=|| view! { <Loading label="Loading the history…"/> }>
                {move || Suspend::new({
                    let path = path.clone();
                    async move {
                        match list.await {
                            Ok(versions) => view! { <Versions path versions/> }.into_any(),
                            Err(error) => view! { <ApiErrorView error/> }.into_any(),
                        }
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn Versions(path: String, versions: Vec<RunbookVersionSummary>) -> impl IntoView {
    let numbers: Vec<i64> = versions.iter().map(|v| v.number).collect();
    let newest = numbers.first().copied().unwrap_or(1);
    let from = RwSignal::new(numbers.get(1).copied().unwrap_or(newest));
    let to = RwSignal::new(newest);
    let diff = RwSignal::new(None::<RunbookDiff>);
    let error = RwSignal::new(None);
    let compare = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let request = client::get::<RunbookDiff>(format!(
            "{path}/diff?from={}&to={}",
            from.get_untracked(),
            to.get_untracked()
        ));
        spawn_local(async move {
            match request.await {
                Ok(d) => {
                    error.set(None);
                    diff.set(Some(d));
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let options = move |selected: RwSignal<i64>| {
        numbers
            .iter()
            .map(|n| {
                let n = *n;
                view! { <option value=n.to_string() selected=move || selected.get() == n>{format!("Version {n}")}</option> }
            })
            .collect_view()
    };
    let (from_options, to_options) = (options(from), options(to));
    let several = versions.len() > 1;
    let rows = versions
        .into_iter()
        .map(|v| {
            view! {
                <tr>
                    <td class="num">{v.number}</td>
                    <td>{v.author}</td>
                    <td>{utc(&v.created_at)}</td>
                    <td>{v.note.unwrap_or_else(|| "—".into())}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <DataTable id="runbook-versions" caption="Versions of the runbook, newest first"
            head=vec![("Version", true), ("Saved by", false), ("When", false), ("Note", false)]>
            {rows}
        </DataTable>
        {several.then(|| view! {
            <form class="filters compare-form" id="compare-form" on:submit=compare>
                <div class="field">
                    <label for="compare-from">"From"</label>
                    <select id="compare-from" on:change=move |ev| from.set(event_target_value(&ev).parse().unwrap_or(1))>
                        {from_options}
                    </select>
                </div>
                <div class="field">
                    <label for="compare-to">"To"</label>
                    <select id="compare-to" on:change=move |ev| to.set(event_target_value(&ev).parse().unwrap_or(1))>
                        {to_options}
                    </select>
                </div>
                <div class="field">
                    <button type="submit" class="button" id="compare">"Compare"</button>
                </div>
            </form>
        })}
        {move || error.get().map(|error| view! { <ApiErrorView error/> })}
        {move || diff.get().map(|d| view! { <DiffView diff=d/> })}
    }
}

#[component]
fn DiffView(diff: RunbookDiff) -> impl IntoView {
    let part = |title: &'static str, lines: Vec<DiffLine>| {
        let changed = lines.iter().any(|l| l.tag != "equal");
        view! {
            <h3>{title}</h3>
            {if changed {
                view! { <pre class="diff">{lines.into_iter().map(|l| view! { <DiffRow line=l/> }).collect_view()}</pre> }.into_any()
            } else {
                view! { <p class="muted">"No change."</p> }.into_any()
            }}
        }
    };
    view! {
        <section id="runbook-diff" aria-labelledby="runbook-diff-title" aria-live="polite">
            <h3 id="runbook-diff-title">{format!("Changes from version {} to version {}", diff.from, diff.to)}</h3>
            {part("Failure modes", diff.failure_modes)}
            {part("Links", diff.links)}
            {part("Notes", diff.body)}
        </section>
    }
}

/// One line: added lines in `<ins>`, removed ones in `<del>`, each also marked in words for
/// screen readers (the + and − signs are decoration).
#[component]
fn DiffRow(line: DiffLine) -> impl IntoView {
    let text = format!("{}\n", line.text);
    match line.tag.as_str() {
        "insert" => view! { <ins class="diff-insert"><span class="visually-hidden">"added: "</span><span aria-hidden="true">"+ "</span>{text}</ins> }.into_any(),
        "delete" => view! { <del class="diff-delete"><span class="visually-hidden">"removed: "</span><span aria-hidden="true">"− "</span>{text}</del> }.into_any(),
        _ => view! { <span class="diff-equal"><span aria-hidden="true">"  "</span>{text}</span> }.into_any(),
    }
}
