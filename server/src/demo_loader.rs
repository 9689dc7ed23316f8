//! Loads the demo catalog into an empty database (never into one that holds data).

use crate::domain::records::{Changes, Record};
use crate::store::audit::Actor;
use crate::store::{catalog, Store};

pub async fn load_if_empty(store: &Store) -> anyhow::Result<bool> {
    if !store.is_empty().await? {
        tracing::info!("database is not empty; demo data not loaded");
        return Ok(false);
    }
    let demo = crate::demo::catalog();
    let changes = Changes {
        people: demo.people.into_iter().map(Record::new).collect(),
        teams: demo.teams.into_iter().map(Record::new).collect(),
        services: demo.services.into_iter().map(Record::new).collect(),
        entities: Vec::new(),
    };
    catalog::apply(store, &Actor::system(), &changes)
        .await
        .map_err(|e| anyhow::anyhow!("demo data could not be loaded: {e:?}"))?;
    tracing::info!("demo data loaded");
    Ok(true)
}
