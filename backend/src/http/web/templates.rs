//! The askama templates of the browser UI and the view models they render.

use askama::Template;

/// The login form.
#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage<'a> {
    pub csrf: &'a str,
    pub username: &'a str,
    pub error: Option<&'a str>,
}

/// One folder in the sidebar, flattened with its depth in the hierarchy.
#[derive(Debug)]
pub struct FolderView {
    pub id: String,
    pub name: String,
    pub depth: usize,
    pub unread: u32,
    pub selectable: bool,
    pub current: bool,
}

/// The mail view: folders and (for now) an empty message pane.
#[derive(Template)]
#[template(path = "mail.html")]
pub struct MailPage<'a> {
    pub username: &'a str,
    pub csrf: &'a str,
    pub folders: Vec<FolderView>,
    pub current_name: &'a str,
    pub current_total: u32,
    pub current_unread: u32,
}

/// A full-page error.
#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage<'a> {
    pub status: u16,
    pub title: &'a str,
    pub detail: &'a str,
}
