//! Reading BODYSTRUCTURE: does a message have attachments, without fetching its body.

use async_imap::imap_proto::BodyStructure;

/// True when some leaf part is an attachment: marked `Content-Disposition: attachment`, or a
/// named non-text part of a multipart/mixed. Inline images of a multipart/related do not count.
pub fn has_attachments(structure: &BodyStructure<'_>) -> bool {
    walk(structure, false, 0)
}

fn walk(structure: &BodyStructure<'_>, in_mixed: bool, depth: usize) -> bool {
    if depth > 32 {
        return false;
    }
    match structure {
        BodyStructure::Multipart { common, bodies, .. } => {
            let mixed = common.ty.subtype.eq_ignore_ascii_case("mixed");
            bodies.iter().enumerate().any(|(index, body)| walk(body, mixed && index > 0, depth + 1))
        }
        BodyStructure::Basic { common, .. } | BodyStructure::Text { common, .. } | BodyStructure::Message { common, .. } => {
            let disposition = common.disposition.as_ref().map(|d| d.ty.to_ascii_lowercase());
            if disposition.as_deref() == Some("attachment") {
                return true;
            }
            let named = common.ty.params.as_ref().is_some_and(|p| p.iter().any(|(k, _)| k.eq_ignore_ascii_case("name")))
                || common
                    .disposition
                    .as_ref()
                    .and_then(|d| d.params.as_ref())
                    .is_some_and(|p| p.iter().any(|(k, _)| k.eq_ignore_ascii_case("filename")));
            let is_text = common.ty.ty.eq_ignore_ascii_case("text");
            in_mixed && disposition.as_deref() != Some("inline") && (named || !is_text)
        }
    }
}
