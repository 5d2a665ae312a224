//! Writing mail: the outgoing message model, its validation, MIME building, replies, forwards and Markdown.
