//! Authentication building blocks: sealing credentials, session tokens, CSRF tokens, throttling.

mod csrf;
mod jwt_ring;
mod keys;
pub mod seal;
mod throttle;
mod tokens;

pub use csrf::CsrfKey;
pub use keys::load_or_create_server_key;
pub use seal::SealKey;
pub use throttle::{LoginThrottle, ThrottlePolicy};
pub use tokens::{TokenClaims, TokenSigner};

/// A random URL-safe identifier with 128 bits of entropy (session ids, request ids).
pub fn random_id() -> String {
    use base64::Engine;
    use ring::rand::SecureRandom;
    let mut bytes = [0u8; 16];
    ring::rand::SystemRandom::new().fill(&mut bytes).expect("system randomness is available");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}
