//! The browser UI speaks the request's language everywhere: the error page (with its
//! `<html lang>`), the "(no subject)" placeholder and the script's strings.

mod common;

use common::{Server, browser_login, rig};

async fn get_de(client: &reqwest::Client, url: String) -> (u16, String) {
    let response = client.get(url).header("Accept-Language", "de-DE,de;q=0.9,en;q=0.5").send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

#[tokio::test]
async fn german_requests_get_german_error_pages_placeholders_and_script_text() {
    let server = Server::start().await;
    let anonymous = common::browser();
    let (status, page) = get_de(&anonymous, server.url("/no/such/page")).await;
    assert_eq!(status, 404);
    assert!(page.contains("<html lang=\"de\""), "{page}");
    for german in ["Nicht gefunden", "Fehler 404.", "Zurück zu Letterbox"] {
        assert!(page.contains(german), "{german} in {page}");
    }
    let english = anonymous.get(server.url("/no/such/page")).send().await.unwrap().text().await.unwrap();
    assert!(english.contains("<html lang=\"en\"") && english.contains("Error 404.") && english.contains("Not found"), "{english}");

    let (client, user) = browser_login(&server, "i18n").await;
    rig().save(
        &user,
        "INBOX",
        b"From: a@example.org\r\nTo: b@example.test\r\nDate: Sat, 05 Dec 2026 10:00:00 +0000\r\n\r\nno subject here\r\n",
    );
    let (status, list) = get_de(&client, server.url("/mail/INBOX")).await;
    assert_eq!(status, 200);
    assert!(list.contains("(kein Betreff)") && !list.contains("(no subject)"), "{list}");
    assert!(list.contains("data-new-mail-one=\"Eine neue Nachricht\""), "{list}");
    assert!(list.contains("data-new-mail-other=\"{count} neue Nachrichten\""), "{list}");
    assert!(list.contains("data-attached=\"Angehängt\""), "{list}");
    // An error page inside the logged-in UI speaks German too.
    let (status, page) = get_de(&client, server.url("/mail/INBOX/bm90LWFuLWlk")).await;
    assert!(status >= 400 && page.contains("<html lang=\"de\"") && page.contains(&format!("Fehler {status}.")), "{status}: {page}");
}
