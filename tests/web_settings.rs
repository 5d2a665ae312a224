//! The settings and folder pages without JavaScript: preferences that change the next page
//! (theme, page size, language, remote senders), identities (add, edit, default, delete after
//! confirming), folders (create, rename, delete after confirming; INBOX refused), CSRF on every
//! form, and bad input coming back as the form with an error.

mod common;

use common::{Server, browser_login, browser_login_as, csrf_of, rig};
use letterbox::mail::MailboxId;

/// The page's text with askama's escapes undone (enough for assertions).
fn unescape(html: &str) -> String {
    html.replace("&#x40;", "@")
        .replace("&#43;", "+")
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}

async fn get(client: &reqwest::Client, server: &Server, path: &str) -> (u16, String) {
    let response = client.get(server.url(path)).send().await.unwrap();
    let status = response.status().as_u16();
    (status, unescape(&response.text().await.unwrap()))
}

/// Posts a form; returns status, `Location` (or "") and the page.
async fn post(client: &reqwest::Client, server: &Server, path: &str, fields: &[(&str, &str)]) -> (u16, String, String) {
    let response = client.post(server.url(path)).form(fields).send().await.unwrap();
    let status = response.status().as_u16();
    let location = response.headers().get("location").map(|l| l.to_str().unwrap().to_string()).unwrap_or_default();
    (status, location, unescape(&response.text().await.unwrap()))
}

/// The ids of the identity edit forms, in page order (the default first).
fn identity_ids(html: &str) -> Vec<String> {
    html.split("action=\"/settings/identities/").skip(1).map(|rest| rest.split('"').next().unwrap().to_string()).collect()
}

#[tokio::test]
async fn preferences_change_the_next_pages() {
    let server = Server::start().await;
    let (client, user) = browser_login(&server, "webprefs").await;
    rig().fill(&user, 30, "INBOX");

    let (status, html) = get(&client, &server, "/settings").await;
    assert_eq!(status, 200);
    assert!(html.contains("<label for=\"notify\">") && html.contains("id=\"notify\""), "the notification checkbox, labelled");
    assert!(html.contains("<legend>Theme</legend>") && html.contains("id=\"settings-link\" href=\"/settings\" aria-current=\"page\""));
    let csrf = csrf_of(&html);
    let (_, mail) = get(&client, &server, "/mail/INBOX").await;
    assert!(mail.contains("data-theme=\"auto\"") && mail.contains("1–30 of 30"), "defaults before saving");

    // Without the CSRF token nothing is saved.
    let fields = [("theme", "dark"), ("language", ""), ("page_size", "25"), ("remote_senders", "")];
    let (status, _, _) = post(&client, &server, "/settings", &fields).await;
    assert_eq!(status, 403);
    let (status, _, _) = post(&client, &server, "/settings", &[("csrf", "forged"), fields[0], fields[1], fields[2]]).await;
    assert_eq!(status, 403);
    assert!(get(&client, &server, "/mail/INBOX").await.1.contains("data-theme=\"auto\""));

    let senders = "Ada@Example.org\r\n\r\n  bob@example.net ";
    let (status, location, _) = post(
        &client,
        &server,
        "/settings",
        &[("csrf", &csrf), ("theme", "dark"), ("language", ""), ("page_size", "25"), ("notify", "1"), ("remote_senders", senders)],
    )
    .await;
    assert_eq!((status, location.as_str()), (303, "/settings?notice=saved"));
    let (_, mail) = get(&client, &server, "/mail/INBOX").await;
    assert!(mail.contains("data-theme=\"dark\""), "the theme applies to the next page");
    assert!(mail.contains("1–25 of 30") && !mail.contains("1–30 of 30"), "25 per page");
    assert!(mail.contains("data-notify=\"true\""));
    let (_, html) = get(&client, &server, "/settings?notice=saved").await;
    assert!(html.contains("Settings saved."));
    assert!(html.contains(">ada@example.org\nbob@example.net</textarea>"), "senders saved, cleaned and shown");
    assert!(html.contains("value=\"dark\" checked") && html.contains("<option value=\"25\" selected>"));
    assert!(html.contains("name=\"notify\" value=\"1\" checked"));

    // Bad input: the form again with the error, what was typed kept, nothing saved.
    let (status, _, html) = post(
        &client,
        &server,
        "/settings",
        &[("csrf", &csrf), ("theme", "light"), ("page_size", "7"), ("remote_senders", "keep@example.org")],
    )
    .await;
    assert_eq!(status, 400);
    assert!(html.contains("id=\"settings-error\"") && html.contains("25, 50, 100 or 200"), "says why");
    assert!(html.contains(">keep@example.org</textarea>") && html.contains("value=\"light\" checked"), "typed values kept");
    let (status, _, html) = post(
        &client,
        &server,
        "/settings",
        &[("csrf", &csrf), ("theme", "dark"), ("page_size", "50"), ("remote_senders", "ok@example.org\nnot-an-address")],
    )
    .await;
    assert_eq!(status, 400);
    assert!(html.contains("id=\"settings-error\"") && html.contains("“not-an-address” is not an email address"));
    assert!(html.contains(">ok@example.org\nnot-an-address</textarea>"));
    let (_, mail) = get(&client, &server, "/mail/INBOX").await;
    assert!(mail.contains("data-theme=\"dark\"") && mail.contains("1–25 of 30"), "failed posts saved nothing");

    // Deutsch: the language cookie makes the next page German; browser default removes it.
    let (status, _, _) =
        post(&client, &server, "/settings", &[("csrf", &csrf), ("theme", "dark"), ("language", "de"), ("page_size", "25")]).await;
    assert_eq!(status, 303);
    let (_, mail) = get(&client, &server, "/mail/INBOX").await;
    assert!(mail.contains("<html lang=\"de\"") && mail.contains("Verfassen") && mail.contains("1–25 von 30"), "German");
    let (_, html) = get(&client, &server, "/settings").await;
    assert!(html.contains("<option value=\"de\" selected lang=\"de\">Deutsch</option>") && html.contains("Erscheinungsbild"));
    let (status, _, _) =
        post(&client, &server, "/settings", &[("csrf", &csrf), ("theme", "auto"), ("language", ""), ("page_size", "50")]).await;
    assert_eq!(status, 303);
    let (_, mail) = get(&client, &server, "/mail/INBOX").await;
    assert!(mail.contains("<html lang=\"en\"") && mail.contains(">Compose<") && mail.contains("data-theme=\"auto\""), "back to English");
}

#[tokio::test]
async fn identities_add_edit_default_and_delete() {
    let server = Server::start().await;
    let (client, user) = browser_login(&server, "webident").await;
    let (_, html) = get(&client, &server, "/settings").await;
    let csrf = csrf_of(&html);
    assert!(html.contains(&format!("<h3>{user}</h3>")), "the login address is the first identity");
    let login_id = identity_ids(&html).remove(0);

    let alias = format!("alias-{user}");
    let (status, location, _) = post(
        &client,
        &server,
        "/settings/identities",
        &[("csrf", &csrf), ("email", &alias), ("name", "Alias Person"), ("reply_to", ""), ("signature", "Best,\nAlias")],
    )
    .await;
    assert_eq!((status, location.as_str()), (303, "/settings?notice=identity-added#identities"));
    let (_, html) = get(&client, &server, "/settings?notice=identity-added").await;
    assert!(html.contains("Identity added.") && html.contains(&format!("<h3>{alias}</h3>")) && html.contains("Alias Person"));
    assert!(html.contains(">Best,…</dd>"), "a signature excerpt");
    let ids = identity_ids(&html);
    assert_eq!(ids.len(), 2);
    assert_eq!(ids[0], login_id, "the login address is still the default");
    let alias_id = ids[1].clone();

    // A bad address or a duplicate: the add form again, filled in.
    let (status, _, html) =
        post(&client, &server, "/settings/identities", &[("csrf", &csrf), ("email", "not an address"), ("name", "Keep Me")]).await;
    assert_eq!(status, 422);
    assert!(html.contains("id=\"identity-add-error\"") && html.contains("value=\"not an address\"") && html.contains("value=\"Keep Me\""));
    let (status, _, html) = post(&client, &server, "/settings/identities", &[("csrf", &csrf), ("email", &alias.to_uppercase())]).await;
    assert_eq!(status, 409);
    assert!(html.contains("You already have an identity for this address."));
    let (status, _, _) = post(&client, &server, "/settings/identities", &[("email", "other@example.test")]).await;
    assert_eq!(status, 403, "no CSRF token");

    // Edit: a bad reply-to comes back with the error above that identity's form.
    let path = format!("/settings/identities/{alias_id}");
    let (status, _, html) =
        post(&client, &server, &path, &[("csrf", &csrf), ("name", "Typed Name"), ("reply_to", "nope"), ("signature", "Sig")]).await;
    assert_eq!(status, 422);
    assert!(html.contains("id=\"identity-error\"") && html.contains("value=\"nope\"") && html.contains("value=\"Typed Name\""));
    assert!(html.contains("<details class=\"edit\" open>"), "the failed form is open");

    // Edit and make it the default.
    let (status, location, _) = post(
        &client,
        &server,
        &path,
        &[("csrf", &csrf), ("name", "Renamed Alias"), ("reply_to", "replies@example.org"), ("signature", "Cheers"), ("make_default", "1")],
    )
    .await;
    assert_eq!((status, location.as_str()), (303, "/settings?notice=identity-updated#identities"));
    let (_, html) = get(&client, &server, "/settings").await;
    assert_eq!(identity_ids(&html), [alias_id.clone(), login_id.clone()], "the alias is now the default (listed first)");
    let alias_block = html.split(&format!("id=\"identity-{alias_id}\"")).nth(1).unwrap().split("</li>").next().unwrap();
    assert!(alias_block.contains("class=\"badge\">Default<") && alias_block.contains("Renamed Alias"), "{alias_block}");
    assert!(alias_block.contains("replies@example.org") && alias_block.contains(">Cheers</dd>"));
    let (_, compose) = get(&client, &server, "/compose").await;
    assert!(compose.contains(&format!("<option value=\"{alias}\" selected>")), "compose sends from the new default");

    // Delete the login identity: a confirmation page first, then the POST.
    let delete = format!("/settings/identities/{login_id}/delete");
    let (status, html) = get(&client, &server, &delete).await;
    assert_eq!(status, 200);
    assert!(html.contains(&format!("Delete the identity {user}?")) && html.contains(&format!("action=\"{delete}\"")));
    let (status, _, _) = post(&client, &server, &delete, &[]).await;
    assert_eq!(status, 403, "no CSRF token");
    let (status, location, _) = post(&client, &server, &delete, &[("csrf", &csrf)]).await;
    assert_eq!((status, location.as_str()), (303, "/settings?notice=identity-deleted#identities"));
    let (_, html) = get(&client, &server, "/settings").await;
    assert_eq!(identity_ids(&html), std::slice::from_ref(&alias_id));
    assert!(!html.contains("/delete\""), "no delete button for the only identity");

    // The last one cannot go.
    let (status, _, html) = post(&client, &server, &format!("/settings/identities/{alias_id}/delete"), &[("csrf", &csrf)]).await;
    assert_eq!(status, 409);
    assert!(html.contains("id=\"confirm-error\"") && html.contains("This is your only identity."));
    let (status, _) = get(&client, &server, "/settings/identities/nonexistent/delete").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn folders_create_rename_and_delete() {
    let server = Server::start().await;
    let (client, user) = browser_login(&server, "webfolders").await;
    let names = || rig().mailbox_names(&user);
    let (status, html) = get(&client, &server, "/folders").await;
    assert_eq!(status, 200);
    let csrf = csrf_of(&html);
    assert!(!html.contains("/folders/INBOX/rename") && !html.contains("/folders/INBOX/delete"), "no buttons for INBOX");
    assert!(html.contains("Special folder: Sent") && html.contains("Special folder: Trash"));
    assert!(html.contains("href=\"/folders\" aria-current=\"page\""));

    let (status, location, _) = post(&client, &server, "/folders", &[("csrf", &csrf), ("name", "Projects"), ("parent", "")]).await;
    assert_eq!((status, location.as_str()), (303, "/folders?notice=created"));
    assert!(names().contains(&"Projects".to_string()), "{:?}", names());
    let (_, html) = get(&client, &server, &location).await;
    assert!(html.contains("Folder created.") && html.contains(">Projects</a>"));

    // Inside a parent, with the server's delimiter.
    let projects = MailboxId::from_path("Projects").to_string();
    let (status, _, _) = post(&client, &server, "/folders", &[("csrf", &csrf), ("name", "Q1"), ("parent", &projects)]).await;
    assert_eq!(status, 303);
    let nested = names().into_iter().find(|n| n.starts_with("Projects") && n.ends_with("Q1")).expect("nested folder");
    assert_eq!(nested.len(), "Projects.Q1".len(), "{nested}");

    // Bad names: the form again with the error and what was typed; nothing created.
    let before = names();
    for (name, status, says) in [
        ("Bad\r\nName", 400, "line breaks"),
        ("Trailing\r\n", 400, "line breaks"),
        ("   ", 400, "Give the folder a name."),
        ("Star*", 400, "* or %"),
        ("Projects", 409, "already exists"),
    ] {
        let (got, _, html) = post(&client, &server, "/folders", &[("csrf", &csrf), ("name", name), ("parent", "")]).await;
        assert_eq!(got, status, "{name:?}");
        assert!(html.contains("id=\"create-error\"") && html.contains(says), "{name:?}");
    }
    let (_, _, html) = post(&client, &server, "/folders", &[("csrf", &csrf), ("name", "Star*"), ("parent", &projects)]).await;
    assert!(html.contains("value=\"Star*\"") && html.contains(&format!("<option value=\"{projects}\" selected>")), "typed values kept");
    assert_eq!(names(), before);
    let (status, _, _) = post(&client, &server, "/folders", &[("name", "NoToken"), ("parent", "")]).await;
    assert_eq!(status, 403);
    assert!(!names().contains(&"NoToken".to_string()));

    // Rename keeps the folder where it is.
    let q1 = MailboxId::from_path(&nested).to_string();
    let (status, location, _) = post(&client, &server, &format!("/folders/{q1}/rename"), &[("csrf", &csrf), ("name", "Q2")]).await;
    assert_eq!((status, location.as_str()), (303, "/folders?notice=renamed"));
    let renamed = nested.replace("Q1", "Q2");
    assert!(names().contains(&renamed) && !names().contains(&nested), "{:?}", names());
    let q2 = MailboxId::from_path(&renamed).to_string();
    let (status, _, html) = post(&client, &server, &format!("/folders/{q2}/rename"), &[("csrf", &csrf), ("name", "Q\r\n3")]).await;
    assert_eq!(status, 400);
    assert!(html.contains("id=\"rename-error\"") && html.contains("value=\"Q\r\n3\""), "the error, and what was typed");

    // INBOX cannot be renamed or deleted, not even by posting directly.
    let (status, _, html) = post(&client, &server, "/folders/INBOX/rename", &[("csrf", &csrf), ("name", "Renamed")]).await;
    assert_eq!(status, 403);
    assert!(html.contains("id=\"folders-error\"") && html.contains("The inbox cannot be renamed or deleted."));
    let (status, _) = get(&client, &server, "/folders/INBOX/delete").await;
    assert_eq!(status, 403);
    let (status, _, _) = post(&client, &server, "/folders/INBOX/delete", &[("csrf", &csrf)]).await;
    assert_eq!(status, 403);
    assert!(names().contains(&"INBOX".to_string()) && !names().contains(&"Renamed".to_string()));

    // Delete after the confirmation page, which says how many messages go with it.
    rig().fill(&user, 3, &renamed);
    let delete = format!("/folders/{q2}/delete");
    let (status, html) = get(&client, &server, &delete).await;
    assert_eq!(status, 200);
    assert!(html.contains(&format!("Delete the folder “{renamed}”?")) && html.contains("Its 3 messages are deleted with it."));
    assert!(html.contains(&format!("action=\"{delete}\"")) && html.contains("href=\"/folders\""), "confirm and cancel");
    let (status, _, _) = post(&client, &server, &delete, &[]).await;
    assert_eq!(status, 403);
    assert!(names().contains(&renamed));
    let (status, location, _) = post(&client, &server, &delete, &[("csrf", &csrf)]).await;
    assert_eq!((status, location.as_str()), (303, "/folders?notice=deleted"));
    assert!(!names().contains(&renamed), "{:?}", names());
    let (_, html) = get(&client, &server, &location).await;
    assert!(html.contains("Folder deleted."));
}

#[tokio::test]
async fn a_chosen_language_follows_the_user_to_another_browser() {
    let server = Server::start().await;
    let (user, password) = rig().new_user("langfollow").await;
    let first = browser_login_as(&server, &user, &password).await;
    let (_, html) = get(&first, &server, "/settings").await;
    let csrf = csrf_of(&html);
    let (status, _, _) =
        post(&first, &server, "/settings", &[("csrf", &csrf), ("theme", "auto"), ("language", "de"), ("page_size", "50")]).await;
    assert_eq!(status, 303);
    let second = browser_login_as(&server, &user, &password).await;
    let (_, mail) = get(&second, &server, "/mail/INBOX").await;
    assert!(mail.contains("<html lang=\"de\"") && mail.contains("Verfassen"), "German in the other browser too");
}

#[tokio::test]
async fn api_tokens_are_created_shown_once_and_revoked_in_the_browser() {
    let server = Server::start().await;
    let (client, _) = browser_login(&server, "webtokens").await;
    let (status, html) = get(&client, &server, "/settings/tokens").await;
    assert_eq!(status, 200);
    assert!(html.contains("id=\"no-tokens\""));
    let csrf = csrf_of(&html);

    // No scope ticked: the form comes back with the error and the name kept.
    let (status, _, html) = post(&client, &server, "/settings/tokens", &[("csrf", &csrf), ("name", "nothing allowed")]).await;
    assert_eq!(status, 422);
    assert!(html.contains("id=\"token-error\"") && html.contains("value=\"nothing allowed\""));

    let (status, _, html) =
        post(&client, &server, "/settings/tokens", &[("csrf", &csrf), ("name", "reader bot"), ("scope", "mail.read")]).await;
    assert_eq!(status, 201);
    let start = html.find("id=\"new-token\" class=\"token-secret\">").expect("the secret is shown")
        + "id=\"new-token\" class=\"token-secret\">".len();
    let token = html[start..].split('<').next().unwrap().to_string();
    assert!(token.starts_with("lbt_"), "{token}");
    assert!(html.contains("reader bot") && html.contains("mail.read"));
    let api = common::api_client();
    let listed = api.get(server.url("/api/v1/mailboxes")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(listed.status(), 200, "the new token works");
    let (_, again) = get(&client, &server, "/settings/tokens").await;
    assert!(!again.contains(&token), "the secret is never shown again");

    let id = again.split("data-token-id=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    let (status, location, _) = post(&client, &server, &format!("/settings/tokens/{id}/revoke"), &[("csrf", &csrf)]).await;
    assert_eq!((status, location.as_str()), (303, "/settings/tokens?notice=revoked"));
    let refused = api.get(server.url("/api/v1/mailboxes")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(refused.status(), 401, "revoked at once");
    let (status, _, _) = post(&client, &server, &format!("/settings/tokens/{id}/revoke"), &[("csrf", "forged")]).await;
    assert_eq!(status, 403);
}
