//! Turning a user's search box text into IMAP SEARCH criteria for the message list.

use super::messages::SearchCriteria;
use crate::imap::search::{Query, QueryError};

/// A query that cannot be parsed; the text says where.
pub type SearchError = QueryError;

/// Compiles `q` (Gmail-like syntax); `None` when there is nothing to search for.
pub fn compile(q: Option<&str>) -> Result<Option<SearchCriteria>, SearchError> {
    let Some(text) = q.filter(|t| !t.trim().is_empty()) else { return Ok(None) };
    let query = Query::parse(text)?;
    if query.is_empty() {
        return Ok(None);
    }
    let imap = query.to_imap();
    // Non-synchronizing literals ({N+}) need LITERAL+; the list checks the server has it.
    Ok(Some(SearchCriteria {
        source: text.to_string(),
        wire: imap.to_wire(true),
        utf8: imap.needs_utf8,
        literals: !imap.literals.is_empty(),
    }))
}
