//! A data table in its scrolling box (a phone scrolls the table, not the page), with a caption
//! for screen readers and a header row, so that a page writes only its rows.

use leptos::prelude::*;

/// A column heading; `numeric` right-aligns it like its cells (`class="num"`).
pub type Column = (&'static str, bool);

#[component]
pub fn DataTable(
    #[prop(into)] id: String,
    #[prop(into)] caption: String,
    head: Vec<Column>,
    /// Extra classes of the table besides `data-table`.
    #[prop(optional)]
    class: &'static str,
    children: Children,
) -> impl IntoView {
    let class = if class.is_empty() {
        "data-table".to_string()
    } else {
        format!("data-table {class}")
    };
    view! {
        <div class="table-wrap">
            <table class=class id=id>
                <caption class="visually-hidden">{caption}</caption>
                <thead>
                    <tr>
                        {head.into_iter().map(|(label, numeric)| view! {
                            <th scope="col" class=numeric.then_some("num")>{label}</th>
                        }).collect_view()}
                    </tr>
                </thead>
                <tbody>{children()}</tbody>
            </table>
        </div>
    }
}
