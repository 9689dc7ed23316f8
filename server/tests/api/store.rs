//! The store on its own: connecting, migrations, SQLite file handling.

use crate::both;
use crate::helpers::TestApp;

both!(migrations_are_idempotent_and_ready);

async fn migrations_are_idempotent_and_ready(app: TestApp) {
    app.store.migrate().await.expect("second run is a no-op");
    app.store.ready().await.expect("ready");
    assert!(app.store.is_empty().await.expect("query"));
    app.seed().await;
    assert!(!app.store.is_empty().await.expect("query"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_file_and_folder_are_created_in_wal_mode() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("a/b/steward.db");
    let store = steward_server::store::Store::connect(&format!("sqlite://{}", path.display()))
        .await
        .expect("connect");
    store.migrate().await.expect("migrate");
    assert!(path.exists());
    let mode: String = sqlx::query_scalar("pragma journal_mode")
        .fetch_one(&store.pool)
        .await
        .expect("pragma");
    assert_eq!(mode, "wal");
}
