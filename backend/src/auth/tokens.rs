//! Session tokens: HS256 JWTs that carry the session id and the client's sealing key.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use super::seal::SealKey;
use crate::secret::Secret;

/// What a session token says. `key` is the client's half of the secret: without it the sealed
/// password in the database cannot be opened.
#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: String,
    sid: String,
    key: String,
    iat: i64,
    exp: i64,
}

/// A verified session token's content.
#[derive(Debug, Clone)]
pub struct TokenClaims {
    pub username: String,
    pub session_id: String,
    pub seal_key: SealKey,
    pub expires_at: i64,
}

/// Signs and verifies tokens with the server's secret key.
#[derive(Clone)]
pub struct TokenSigner {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl std::fmt::Debug for TokenSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenSigner(***)")
    }
}

impl TokenSigner {
    /// A signer using `secret` (at least 32 random bytes) for HMAC-SHA256.
    pub fn new(secret: &[u8]) -> Self {
        super::jwt_ring::install();
        Self { encoding: EncodingKey::from_secret(secret), decoding: DecodingKey::from_secret(secret) }
    }

    /// Issues a token for a session.
    pub fn issue(&self, claims: &TokenClaims, issued_at: i64) -> Secret {
        let claims = Claims {
            sub: claims.username.clone(),
            sid: claims.session_id.clone(),
            key: URL_SAFE_NO_PAD.encode(claims.seal_key.0),
            iat: issued_at,
            exp: claims.expires_at,
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding).expect("HS256 signing cannot fail");
        Secret::new(token)
    }

    /// Verifies signature, algorithm and expiry; `None` for anything else than a valid token.
    pub fn verify(&self, token: &str) -> Option<TokenClaims> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "sub"]);
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation).ok()?;
        let key = URL_SAFE_NO_PAD.decode(data.claims.key).ok().and_then(|bytes| SealKey::from_bytes(&bytes))?;
        Some(TokenClaims { username: data.claims.sub, session_id: data.claims.sid, seal_key: key, expires_at: data.claims.exp })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(expires_at: i64) -> TokenClaims {
        TokenClaims { username: "alice".into(), session_id: "s1".into(), seal_key: SealKey::generate(), expires_at }
    }

    #[test]
    fn issue_and_verify() {
        let signer = TokenSigner::new(&[7u8; 32]);
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let original = claims(now + 60);
        let token = signer.issue(&original, now);
        let back = signer.verify(token.expose()).expect("valid");
        assert_eq!((back.username.as_str(), back.session_id.as_str()), ("alice", "s1"));
        assert_eq!(back.seal_key.0, original.seal_key.0);

        assert!(TokenSigner::new(&[8u8; 32]).verify(token.expose()).is_none(), "other server key");
        assert!(signer.verify(signer.issue(&claims(now - 1), now - 100).expose()).is_none(), "expired");
        assert!(signer.verify("not.a.jwt").is_none());
        let mut forged = token.expose().to_string();
        forged.push('x');
        assert!(signer.verify(&forged).is_none());
    }
}
