//! Sealing passwords with AES-256-GCM under a key the client holds, bound to the session id.

use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};

use crate::secret::Secret;

/// Length of a sealing key in bytes.
pub const KEY_LEN: usize = 32;

/// A sealing key. Only the client keeps it (inside its token); `Debug` prints nothing.
#[derive(Clone)]
pub struct SealKey(pub(crate) [u8; KEY_LEN]);

impl std::fmt::Debug for SealKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SealKey(***)")
    }
}

impl SealKey {
    /// A fresh random key.
    pub fn generate() -> Self {
        let mut bytes = [0u8; KEY_LEN];
        SystemRandom::new().fill(&mut bytes).expect("system randomness is available");
        Self(bytes)
    }

    /// Rebuilds a key from its bytes; `None` for the wrong length.
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        bytes.try_into().ok().map(Self)
    }

    fn aead(&self) -> LessSafeKey {
        LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &self.0).expect("32-byte key"))
    }
}

/// Encrypts `secret`; the output is `nonce || ciphertext+tag`. `context` (the session id) is
/// authenticated too, so a sealed value cannot be moved to another session row.
pub fn seal(key: &SealKey, context: &str, secret: &Secret) -> Vec<u8> {
    let mut nonce = [0u8; NONCE_LEN];
    SystemRandom::new().fill(&mut nonce).expect("system randomness is available");
    let mut buffer = secret.expose().as_bytes().to_vec();
    key.aead()
        .seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::from(context.as_bytes()), &mut buffer)
        .expect("AES-GCM sealing of a short value cannot fail");
    let mut out = nonce.to_vec();
    out.extend_from_slice(&buffer);
    out
}

/// Decrypts what [`seal`] produced; `None` if the key, context or data do not match.
pub fn open(key: &SealKey, context: &str, sealed: &[u8]) -> Option<Secret> {
    if sealed.len() < NONCE_LEN {
        return None;
    }
    let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
    let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
    let mut buffer = ciphertext.to_vec();
    let plain = key.aead().open_in_place(nonce, Aad::from(context.as_bytes()), &mut buffer).ok()?;
    String::from_utf8(plain.to_vec()).ok().map(Secret::new)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_tamper_checks() {
        let key = SealKey::generate();
        let sealed = seal(&key, "session-1", &Secret::new("pässword"));
        let plain = "pässword".as_bytes();
        assert!(!sealed.windows(plain.len()).any(|w| w == plain), "ciphertext must not contain the password");
        assert_eq!(open(&key, "session-1", &sealed).map(|s| s.expose().to_string()), Some("pässword".into()));
        assert!(open(&key, "session-2", &sealed).is_none(), "bound to its session");
        assert!(open(&SealKey::generate(), "session-1", &sealed).is_none(), "needs the client's key");
        let mut tampered = sealed.clone();
        *tampered.last_mut().unwrap() ^= 1;
        assert!(open(&key, "session-1", &tampered).is_none());
        assert!(open(&key, "session-1", b"short").is_none());
        assert_ne!(seal(&key, "s", &Secret::new("x")), seal(&key, "s", &Secret::new("x")), "fresh nonce each time");
    }
}
