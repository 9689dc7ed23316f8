//! Loads the demo catalog into an empty database (never into one that holds data), with
//! accounts to sign in with: `admin` (admin), `viewer` (viewer) and one member account per
//! demo person, under that person's handle. They share one password: the `demo_password`
//! setting, or one generated now and printed once on standard output (never logged).

use crate::domain::authz::Role;
use crate::domain::records::{Changes, Record};
use crate::store::audit::Actor;
use crate::store::{accounts, catalog, Store};

pub async fn load_if_empty(store: &Store, password: Option<&str>) -> anyhow::Result<bool> {
    if !store.is_empty().await? {
        tracing::info!("database is not empty; demo data not loaded");
        return Ok(false);
    }
    let demo = crate::demo::catalog();
    let handles: Vec<String> = demo.people.iter().map(|p| p.handle.clone()).collect();
    let changes = Changes {
        people: demo.people.into_iter().map(Record::new).collect(),
        teams: demo.teams.into_iter().map(Record::new).collect(),
        services: demo.services.into_iter().map(Record::new).collect(),
        entities: Vec::new(),
    };
    catalog::apply(store, &Actor::system(), &changes)
        .await
        .map_err(|e| anyhow::anyhow!("demo data could not be loaded: {e:?}"))?;
    let (password, generated) = match password {
        Some(p) => (p.to_string(), false),
        None => (crate::auth::generate_password(), true),
    };
    // One hash for every demo account: they share the password anyway.
    let hash = crate::auth::hash_password(password.clone()).await?;
    let accounts = [("admin", Role::Admin), ("viewer", Role::Viewer)]
        .into_iter()
        .map(|(h, r)| (h.to_string(), r))
        .chain(handles.into_iter().map(|h| (h, Role::Member)));
    for (handle, role) in accounts {
        if accounts::by_handle(store, &handle).await?.is_some() {
            continue;
        }
        accounts::create(store, &Actor::system(), &handle, role, Some(&hash))
            .await
            .map_err(|e| anyhow::anyhow!("demo account {handle}: {e:?}"))?;
    }
    tracing::info!("demo data loaded, with demo accounts");
    if generated {
        println!(
            "Demo accounts: admin (admin), viewer (viewer), and each demo person's handle \
             (member, e.g. smoreau of Payments). Password for all of them: {password}"
        );
    }
    Ok(true)
}
