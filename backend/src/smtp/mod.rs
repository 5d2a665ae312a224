//! SMTP submission: hands a finished message to the user's own submission server (lettre, rustls).
//!
//! This layer knows nothing about HTTP or the database: it takes message bytes built elsewhere
//! and an envelope, and reports the server's verdict with the server's own reply code and text.

mod connect;
mod error;
mod submit;

pub use error::SmtpError;
pub use submit::{Envelope, SmtpSubmitter, SubmitReceipt};
