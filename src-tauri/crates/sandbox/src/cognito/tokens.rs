//! Tokens as Cognito issues them: JWTs signed RS256 with the pool's own RSA key (made when the
//! pool is, kept across restarts), the JWKS that verifies them, and the check of a token the
//! pool issued (signature, expiry, kind, session) for the operations that take one.

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::{self, KeyPair as _};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Value as Json, json};

use super::model::SigningKeyRecord;

/// How long an ID or access token lasts (Cognito's default: one hour), in seconds.
pub const TOKEN_SECONDS: i64 = 3600;

/// Why a key could not be made or read back.
#[derive(Debug, thiserror::Error)]
#[error("the pool's signing key: {0}")]
pub struct KeyError(String);

/// A new RSA 2048 key for a pool.
pub fn new_key() -> Result<SigningKeyRecord, KeyError> {
    let pair = KeyPair::generate(KeySize::Rsa2048).map_err(|e| KeyError(e.to_string()))?;
    let der = pair.as_der().map_err(|e| KeyError(e.to_string()))?;
    Ok(SigningKeyRecord {
        kid: STANDARD.encode(&uuid::Uuid::new_v4().as_bytes()[..12]),
        pkcs8: STANDARD.encode(der.as_ref()),
    })
}

/// A pool's key, ready to sign and verify.
#[derive(Debug)]
pub struct Signer {
    kid: String,
    pair: KeyPair,
}

impl Signer {
    pub fn open(record: &SigningKeyRecord) -> Result<Self, KeyError> {
        let der = STANDARD
            .decode(&record.pkcs8)
            .map_err(|e| KeyError(e.to_string()))?;
        let pair = KeyPair::from_pkcs8(&der).map_err(|e| KeyError(e.to_string()))?;
        Ok(Self {
            kid: record.kid.clone(),
            pair,
        })
    }

    /// `claims` as a signed JWT.
    pub fn sign(&self, claims: &Json) -> Result<String, KeyError> {
        let header = json!({"kid": self.kid, "alg": "RS256"});
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let mut signature = vec![0; self.pair.public_modulus_len()];
        let rng = aws_lc_rs::rand::SystemRandom::new();
        self.pair
            .sign(
                &signature::RSA_PKCS1_SHA256,
                &rng,
                input.as_bytes(),
                &mut signature,
            )
            .map_err(|e| KeyError(e.to_string()))?;
        Ok(format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature)))
    }

    /// The key as one entry of a JWKS.
    pub fn jwk(&self) -> Json {
        let public = self.pair.public_key();
        json!({
            "alg": "RS256",
            "e": URL_SAFE_NO_PAD.encode(public.exponent().big_endian_without_leading_zero()),
            "kid": self.kid,
            "kty": "RSA",
            "n": URL_SAFE_NO_PAD.encode(public.modulus().big_endian_without_leading_zero()),
            "use": "sig",
        })
    }

    /// The claims of `token` if this key signed it; its expiry and kind are the caller's to
    /// check.
    pub fn verify(&self, token: &str) -> Option<Json> {
        let (input, signature) = token.rsplit_once('.')?;
        let (header, claims) = input.split_once('.')?;
        let header: Json = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).ok()?).ok()?;
        if header["alg"] != "RS256" || header["kid"] != self.kid.as_str() {
            return None;
        }
        let signature = URL_SAFE_NO_PAD.decode(signature).ok()?;
        signature::UnparsedPublicKey::new(
            &signature::RSA_PKCS1_2048_8192_SHA256,
            self.pair.public_key().as_ref(),
        )
        .verify(input.as_bytes(), &signature)
        .ok()?;
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(claims).ok()?).ok()
    }
}

/// The claims of a token, unverified: only to tell which pool's key to check it with.
pub fn peek(token: &str) -> Option<Json> {
    let claims = token.split('.').nth(1)?;
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(claims).ok()?).ok()
}

/// A random opaque token (a refresh token), URL-safe.
pub fn opaque(bytes: usize) -> String {
    URL_SAFE_NO_PAD.encode(random_bytes(bytes))
}

/// `length` bytes from a cryptographic random source.
pub fn random_bytes(length: usize) -> Vec<u8> {
    let mut bytes = vec![0_u8; length];
    if aws_lc_rs::rand::fill(&mut bytes).is_err() {
        // Should the generator ever fail, version 4 UUIDs come from the operating system's
        // source by another path.
        for chunk in bytes.chunks_mut(16) {
            let fresh = uuid::Uuid::new_v4();
            chunk.copy_from_slice(&fresh.as_bytes()[..chunk.len()]);
        }
    }
    bytes
}

/// SHA-256 of `text`, hex: how refresh tokens are kept.
pub fn digest(text: &str) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(text.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_verifies_with_its_pool_s_key_only() {
        let signer = Signer::open(&new_key().unwrap()).unwrap();
        let other = Signer::open(&new_key().unwrap()).unwrap();
        let token = signer
            .sign(&json!({"sub": "u1", "token_use": "id"}))
            .unwrap();
        assert_eq!(token.split('.').count(), 3);
        assert_eq!(signer.verify(&token).unwrap()["sub"], "u1");
        assert_eq!(peek(&token).unwrap()["token_use"], "id");
        assert!(other.verify(&token).is_none());
        let mut tampered = token.clone();
        tampered.replace_range(token.len() - 4.., "AAAA");
        assert!(signer.verify(&tampered).is_none());
        let jwk = signer.jwk();
        assert_eq!(
            (jwk["kty"].as_str(), jwk["e"].as_str()),
            (Some("RSA"), Some("AQAB"))
        );
    }

    #[test]
    fn a_key_read_back_signs_as_before() {
        let record = new_key().unwrap();
        let token = Signer::open(&record)
            .unwrap()
            .sign(&json!({"a": 1}))
            .unwrap();
        assert!(Signer::open(&record).unwrap().verify(&token).is_some());
    }
}
