//! A `jsonwebtoken` crypto provider backed by ring (HS256 only), so the tree keeps one crypto library.

use std::sync::Once;

use jsonwebtoken::crypto::{CryptoProvider, JwtSigner, JwtVerifier, KeyUtils};
use jsonwebtoken::errors::{ErrorKind, Result};
use jsonwebtoken::jwk::{EllipticCurve, ThumbprintHash};
use jsonwebtoken::signature::{self, Signer, Verifier};
use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey, EncodingKey};
use ring::{digest, hmac};

/// The provider: HMAC-SHA256 through `ring::hmac`; every other algorithm is refused with an error.
/// The JWK helpers are not used by Letterbox; they answer with errors instead of the crate's panics.
pub static RING_PROVIDER: CryptoProvider = CryptoProvider {
    signer_factory,
    verifier_factory,
    key_utils: KeyUtils {
        rsa_pub_components_from_private_key: |_| Err(ErrorKind::UnsupportedAlgorithm.into()),
        rsa_pub_components_from_public_key: |_| Err(ErrorKind::UnsupportedAlgorithm.into()),
        ec_pub_components_from_private_key: |_, _| Err(ErrorKind::UnsupportedAlgorithm.into()),
        ed_pub_components_from_private_key: |_: &[u8], _: &EllipticCurve| Err(ErrorKind::UnsupportedAlgorithm.into()),
        compute_digest,
    },
};

/// Makes [`RING_PROVIDER`] the process-wide provider of `jsonwebtoken`; idempotent. Must run before
/// the first encode or decode: without a backend feature, jsonwebtoken's fallback panics.
pub fn install() {
    static INSTALL: Once = Once::new();
    // An `Err` means a provider was installed already; only this function installs one.
    INSTALL.call_once(|| {
        let _ = RING_PROVIDER.install_default();
    });
}

fn signer_factory(algorithm: &Algorithm, key: &EncodingKey) -> Result<Box<dyn JwtSigner>> {
    if *algorithm != Algorithm::HS256 {
        return Err(ErrorKind::UnsupportedAlgorithm.into());
    }
    if key.family() != AlgorithmFamily::Hmac {
        return Err(ErrorKind::InvalidKeyFormat.into());
    }
    Ok(Box::new(Hs256(hmac::Key::new(hmac::HMAC_SHA256, key.as_bytes()))))
}

fn verifier_factory(algorithm: &Algorithm, key: &DecodingKey) -> Result<Box<dyn JwtVerifier>> {
    if *algorithm != Algorithm::HS256 {
        return Err(ErrorKind::UnsupportedAlgorithm.into());
    }
    if key.family() != AlgorithmFamily::Hmac {
        return Err(ErrorKind::InvalidKeyFormat.into());
    }
    Ok(Box::new(Hs256(hmac::Key::new(hmac::HMAC_SHA256, key.try_get_as_bytes()?))))
}

fn compute_digest(data: &[u8], hash: ThumbprintHash) -> Result<Vec<u8>> {
    let algorithm = match hash {
        ThumbprintHash::SHA256 => &digest::SHA256,
        ThumbprintHash::SHA384 => &digest::SHA384,
        ThumbprintHash::SHA512 => &digest::SHA512,
        _ => return Err(ErrorKind::UnsupportedAlgorithm.into()),
    };
    Ok(digest::digest(algorithm, data).as_ref().to_vec())
}

/// An HMAC-SHA256 key that both signs and verifies.
struct Hs256(hmac::Key);

impl Signer<Vec<u8>> for Hs256 {
    fn try_sign(&self, msg: &[u8]) -> std::result::Result<Vec<u8>, signature::Error> {
        Ok(hmac::sign(&self.0, msg).as_ref().to_vec())
    }
}

impl Verifier<Vec<u8>> for Hs256 {
    fn verify(&self, msg: &[u8], tag: &Vec<u8>) -> std::result::Result<(), signature::Error> {
        // ring compares in constant time.
        hmac::verify(&self.0, msg, tag).map_err(|_| signature::Error::new())
    }
}

impl JwtSigner for Hs256 {
    fn algorithm(&self) -> Algorithm {
        Algorithm::HS256
    }
}

impl JwtVerifier for Hs256 {
    fn algorithm(&self) -> Algorithm {
        Algorithm::HS256
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 4231 test case 2: proves the provider computes real HMAC-SHA256.
    #[test]
    fn signs_the_rfc_4231_vector_and_verifies_it() {
        let key = EncodingKey::from_secret(b"Jefe");
        let tag = (RING_PROVIDER.signer_factory)(&Algorithm::HS256, &key).unwrap().try_sign(b"what do ya want for nothing?").unwrap();
        let hex: String = tag.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");

        let verifier = (RING_PROVIDER.verifier_factory)(&Algorithm::HS256, &DecodingKey::from_secret(b"Jefe")).unwrap();
        assert!(verifier.verify(b"what do ya want for nothing?", &tag).is_ok());
        let mut tampered = tag.clone();
        tampered[0] ^= 1;
        assert!(verifier.verify(b"what do ya want for nothing?", &tampered).is_err(), "tampered signature");
        assert!(verifier.verify(b"what do ya want for something?", &tag).is_err(), "other message");
    }

    /// Through jsonwebtoken's own entry points once the provider is installed.
    #[test]
    fn installed_provider_signs_and_rejects_a_tampered_signature() {
        install();
        let message = b"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9";
        let signature = jsonwebtoken::crypto::sign(message, &EncodingKey::from_secret(&[7; 32]), Algorithm::HS256).unwrap();
        let key = DecodingKey::from_secret(&[7; 32]);
        assert!(jsonwebtoken::crypto::verify(&signature, message, &key, Algorithm::HS256).unwrap());
        let mut tampered = signature.into_bytes();
        tampered[0] = if tampered[0] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(tampered).unwrap();
        assert!(!jsonwebtoken::crypto::verify(&tampered, message, &key, Algorithm::HS256).unwrap());
    }

    #[test]
    fn other_algorithms_are_errors_not_panics() {
        install();
        let key = EncodingKey::from_secret(&[7; 32]);
        assert!(jsonwebtoken::crypto::sign(b"m", &key, Algorithm::HS512).is_err());
        assert!(jsonwebtoken::crypto::sign(b"m", &key, Algorithm::RS256).is_err());
        assert!((RING_PROVIDER.key_utils.compute_digest)(b"abc", ThumbprintHash::SHA256).is_ok());
    }
}
