//! A dropped IMAP connection is reopened: killing Dovecot and starting it again must not cost
//! the user a new login. Its own test binary, so stopping Dovecot disturbs no other test.

mod common;

use common::{Server, api_client, rig};

#[tokio::test]
async fn pool_reconnects_after_dovecot_restart() {
    let _guard = RIG_LOCK.lock().await;
    let server = Server::start().await;
    let rig = rig();
    let (user, password) = rig.new_user("reconnect");
    let client = api_client();
    let token = server.login(&client, &user, &password).await;
    let first = client.get(server.url("/api/v1/mailboxes")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(first.status(), 200);
    assert!(server.state.letterbox.pool.idle_count() >= 1, "a pooled connection is kept");

    rig.dovecot("stop");
    let down = client.get(server.url("/api/v1/mailboxes")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(down.status(), 502, "while the server is down the API says so");
    rig.dovecot("start");

    let after = client.get(server.url("/api/v1/mailboxes")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(after.status(), 200, "{}", after.text().await.unwrap_or_default());
}

#[tokio::test]
async fn stale_pooled_connection_is_replaced_transparently() {
    // Same situation without the in-between request: the pooled connection is dead when the
    // next request takes it, and that request must still succeed.
    let _guard = RIG_LOCK.lock().await;
    let server = Server::start().await;
    let rig = rig();
    let (user, password) = rig.new_user("stale");
    let client = api_client();
    let token = server.login(&client, &user, &password).await;
    assert_eq!(client.get(server.url("/api/v1/mailboxes")).bearer_auth(&token).send().await.unwrap().status(), 200);
    rig.dovecot("stop");
    rig.dovecot("start");
    let after = client.get(server.url("/api/v1/mailboxes")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(after.status(), 200, "{}", after.text().await.unwrap_or_default());
}

/// The two tests both stop Dovecot; they must not overlap.
static RIG_LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
