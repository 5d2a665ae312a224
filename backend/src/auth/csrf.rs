//! CSRF tokens for HTML forms: an HMAC of the session id (or of a pre-login nonce) under the
//! server key, so nothing needs storing and a token is useless for any other session.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::hmac;

/// Derives and checks CSRF tokens.
#[derive(Clone)]
pub struct CsrfKey(hmac::Key);

impl std::fmt::Debug for CsrfKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CsrfKey(***)")
    }
}

impl CsrfKey {
    /// A key derived from the server secret (domain-separated from token signing).
    pub fn new(server_secret: &[u8]) -> Self {
        let base = hmac::Key::new(hmac::HMAC_SHA256, server_secret);
        let derived = hmac::sign(&base, b"letterbox csrf v1");
        Self(hmac::Key::new(hmac::HMAC_SHA256, derived.as_ref()))
    }

    /// The form token for `binding` (a session id or a login nonce).
    pub fn token_for(&self, binding: &str) -> String {
        URL_SAFE_NO_PAD.encode(hmac::sign(&self.0, binding.as_bytes()))
    }

    /// Constant-time check of a submitted token.
    pub fn verify(&self, binding: &str, submitted: &str) -> bool {
        match URL_SAFE_NO_PAD.decode(submitted) {
            Ok(tag) => hmac::verify(&self.0, binding.as_bytes(), &tag).is_ok(),
            Err(_) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_bind_to_their_session() {
        let key = CsrfKey::new(&[1u8; 32]);
        let token = key.token_for("session-a");
        assert!(key.verify("session-a", &token));
        assert!(!key.verify("session-b", &token));
        assert!(!key.verify("session-a", ""));
        assert!(!key.verify("session-a", "%%%"));
        assert!(!CsrfKey::new(&[2u8; 32]).verify("session-a", &token));
    }
}
