//! Steward's web UI: server-rendered Leptos pages that hydrate in the browser. Every page takes
//! its data from `/api/v1` through [`api::client`]; there are no private server functions.
#![recursion_limit = "256"]

pub mod api;
pub mod components;
pub mod pages;

use components::layout::{Footer, Header};
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Link, Meta, MetaTags, Stylesheet, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    path,
};
use pages::incidents::{FixesPage, IncidentPage, IncidentsPage, TeamFixesPage};
use pages::runbook::RunbookPage;
use pages::{
    account::AccountPage, accounts::AccountsPage, audit::AuditPage, catalog::CatalogPage,
    escalation_policies::EscalationPoliciesPage, escalation_policy::EscalationPolicyPage,
    escalation_policy_form::EscalationPolicyFormPage, findings::FindingsPage, home::HomePage,
    jobs::JobsPage, not_found::NotFoundPage, people::PeoplePage, person::PersonPage,
    rules::RulePage, rules::RulesPage, schedule::SchedulePage, schedule_form::ScheduleFormPage,
    schedules::SchedulesPage, scorecards::ScorecardsPage, service::ServicePage,
    service_form::ServiceFormPage, sign_in::SignInPage, team::TeamPage, team_form::TeamFormPage,
    team_oncall_health::TeamOncallHealthPage, team_scorecard::TeamScorecardPage, teams::TeamsPage,
};

/// The HTML document the server streams; `App` is the part that hydrates.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();

    // Effects run only in the browser, after hydration: the browser tests wait for this mark.
    Effect::new(move |_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });

    view! {
        <Stylesheet id="leptos" href="/pkg/steward.css"/>
        <Link rel="icon" type_="image/svg+xml" href="/favicon.svg"/>
        <Meta name="description" content="Steward: who owns each service, and how to run it."/>
        <Title formatter=|text: String| {
            if text.is_empty() { "Steward".to_string() } else { format!("{text} · Steward") }
        }/>
        <Router>
            <Header/>
            <main id="main" tabindex="-1">
                <Routes fallback=|| view! { <NotFoundPage/> }>
                    <Route path=path!("/") view=HomePage/>
                    <Route path=path!("/sign-in") view=SignInPage/>
                    <Route path=path!("/account") view=AccountPage/>
                    <Route path=path!("/accounts") view=AccountsPage/>
                    <Route path=path!("/audit") view=AuditPage/>
                    <Route path=path!("/catalog") view=CatalogPage/>
                    // Static segments before parameters: the first matching route wins.
                    <Route path=path!("/services/new") view=ServiceFormPage/>
                    <Route path=path!("/services/:slug/edit") view=ServiceFormPage/>
                    <Route path=path!("/services/:slug/runbook") view=RunbookPage/>
                    <Route path=path!("/services/:slug") view=ServicePage/>
                    <Route path=path!("/teams") view=TeamsPage/>
                    <Route path=path!("/teams/new") view=TeamFormPage/>
                    <Route path=path!("/teams/:slug/edit") view=TeamFormPage/>
                    <Route path=path!("/teams/:slug/oncall-health") view=TeamOncallHealthPage/>
                    <Route path=path!("/teams/:slug/scorecard") view=TeamScorecardPage/>
                    <Route path=path!("/teams/:slug/fixes") view=TeamFixesPage/>
                    <Route path=path!("/teams/:slug") view=TeamPage/>
                    <Route path=path!("/schedules") view=SchedulesPage/>
                    <Route path=path!("/schedules/new") view=ScheduleFormPage/>
                    <Route path=path!("/schedules/:slug/edit") view=ScheduleFormPage/>
                    <Route path=path!("/schedules/:slug") view=SchedulePage/>
                    <Route path=path!("/escalation-policies") view=EscalationPoliciesPage/>
                    <Route path=path!("/escalation-policies/new") view=EscalationPolicyFormPage/>
                    <Route path=path!("/escalation-policies/:slug/edit") view=EscalationPolicyFormPage/>
                    <Route path=path!("/escalation-policies/:slug") view=EscalationPolicyPage/>
                    <Route path=path!("/people") view=PeoplePage/>
                    <Route path=path!("/people/:handle") view=PersonPage/>
                    <Route path=path!("/scorecards") view=ScorecardsPage/>
                    <Route path=path!("/findings") view=FindingsPage/>
                    <Route path=path!("/rules") view=RulesPage/>
                    <Route path=path!("/rules/:id") view=RulePage/>
                    <Route path=path!("/jobs") view=JobsPage/>
                    <Route path=path!("/incidents") view=IncidentsPage/>
                    <Route path=path!("/incidents/:id") view=IncidentPage/>
                    <Route path=path!("/fixes") view=FixesPage/>
                </Routes>
            </main>
            <Footer/>
        </Router>
    }
}

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(App);
}
