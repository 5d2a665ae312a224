//! SMTP submission: hands a finished message to the user's own submission server (lettre, rustls).
