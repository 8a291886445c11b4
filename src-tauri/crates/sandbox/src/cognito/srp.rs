//! Secure Remote Password as Cognito speaks it (`USER_SRP_AUTH`, then the `PASSWORD_VERIFIER`
//! challenge): what amazon-cognito-identity-js, Amplify and pycognito sign in with, proving
//! the password without sending it.
//!
//! The group is RFC 3526's 3072-bit prime with generator 2, hashes are SHA-256, and numbers
//! are hashed in the two's-complement form Java's `BigInteger.toByteArray` gives (a leading
//! zero byte when the top bit is set) — the clients' `padHex`. The password becomes
//! `x = H(salt | H(poolName | userId | ":" | password))` and is kept only as the verifier
//! `v = gˣ`. The client proves it knows `x` by signing
//! `poolName | userId | SECRET_BLOCK | TIMESTAMP` with a key both sides derive from the
//! shared secret (HKDF, info `Caldera Derived Key`, 16 bytes).
//!
//! [`Client`] is the other side, as the JavaScript library computes it: what the app signs a
//! user in with where the app client allows SRP only.

use aws_lc_rs::hmac;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use num_bigint::BigUint;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use super::tokens::random_bytes;

/// RFC 3526's 3072-bit MODP prime, the group every Cognito client uses.
const N_HEX: &str = concat!(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E",
    "3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF",
    "5CB6F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D3",
    "9A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08",
    "CA18217C32905E462E36CE3BE39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF69558171839",
    "95497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DB",
    "EF0A8AEA71575D060C7DB3970F85A6E1E4C7ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA",
    "06D98A0864D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E208E24FA074E5AB31",
    "43DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF",
);

/// The longest `SRP_A` read: a number below N is at most 768 hex digits; leading zeros aside.
const MAX_PUBLIC_HEX: usize = 1024;

/// A password as SRP keeps it: the salt and the verifier `v = gˣ mod N`, both hex.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Verifier {
    pub salt: String,
    pub verifier: String,
}

/// The server's half of one sign-in, kept until the client answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exchange {
    /// The client's public value `A`.
    client_public: BigUint,
    /// The server's secret `b` and public value `B`.
    secret: BigUint,
    pub server_public: BigUint,
}

/// Why a client's proof was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SrpError {
    #[error("SRP_A is not a hexadecimal number below the group's prime")]
    BadPublicValue,
    #[error("the password claim's signature is not valid base64")]
    BadSignature,
    #[error("the password claim does not match the password")]
    WrongPassword,
}

fn prime() -> BigUint {
    BigUint::parse_bytes(N_HEX.as_bytes(), 16).unwrap_or_default()
}

fn generator() -> BigUint {
    BigUint::from(2_u8)
}

/// The bytes of `n` as the clients hash them: big-endian, with a zero byte in front when the
/// top bit is set (so the number never reads as negative).
fn padded(n: &BigUint) -> Vec<u8> {
    let bytes = n.to_bytes_be();
    if bytes.first().is_some_and(|top| top & 0x80 != 0) {
        let mut signed = Vec::with_capacity(bytes.len() + 1);
        signed.push(0);
        signed.extend_from_slice(&bytes);
        signed
    } else {
        bytes
    }
}

fn hash(parts: &[&[u8]]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part);
    }
    hasher.finalize().into()
}

/// The multiplier `k = H(N | g)`.
fn multiplier() -> BigUint {
    BigUint::from_bytes_be(&hash(&[&padded(&prime()), &padded(&generator())]))
}

/// The private value `x` of `password` for user `user_id` of pool `pool_name`.
fn private_value(salt: &BigUint, pool_name: &str, user_id: &str, password: &str) -> BigUint {
    let identity = hash(&[
        pool_name.as_bytes(),
        user_id.as_bytes(),
        b":",
        password.as_bytes(),
    ]);
    BigUint::from_bytes_be(&hash(&[&padded(salt), &identity]))
}

fn hex(n: &BigUint) -> String {
    n.to_str_radix(16)
}

fn parse_hex(text: &str) -> Option<BigUint> {
    if text.is_empty() || text.len() > MAX_PUBLIC_HEX {
        return None;
    }
    BigUint::parse_bytes(text.as_bytes(), 16)
}

impl Verifier {
    /// The verifier of `password` for user `user_id` (the pool's internal username) of the
    /// pool whose id ends in `pool_name`, with a fresh salt.
    pub fn new(pool_name: &str, user_id: &str, password: &str) -> Self {
        let salt = BigUint::from_bytes_be(&random_bytes(16));
        let x = private_value(&salt, pool_name, user_id, password);
        Self {
            salt: hex(&salt),
            verifier: hex(&generator().modpow(&x, &prime())),
        }
    }

    /// A verifier no password matches: what an unknown user is answered with, so a sign-in
    /// fails the same way whether or not the user exists.
    pub fn decoy() -> Self {
        Self {
            salt: hex(&BigUint::from_bytes_be(&random_bytes(16))),
            verifier: hex(&BigUint::from_bytes_be(&random_bytes(384))),
        }
    }

    /// The server's answer to a client's `SRP_A` (hex): its `B`, and what to keep for the proof.
    pub fn start(&self, client_public_hex: &str) -> Result<Exchange, SrpError> {
        let n = prime();
        let client_public = parse_hex(client_public_hex).ok_or(SrpError::BadPublicValue)?;
        if &client_public % &n == BigUint::ZERO {
            return Err(SrpError::BadPublicValue);
        }
        let verifier = BigUint::parse_bytes(self.verifier.as_bytes(), 16).unwrap_or_default();
        loop {
            let secret = BigUint::from_bytes_be(&random_bytes(128)) % &n;
            let server_public = (multiplier() * &verifier + generator().modpow(&secret, &n)) % &n;
            if server_public != BigUint::ZERO && secret != BigUint::ZERO {
                return Ok(Exchange {
                    client_public,
                    secret,
                    server_public,
                });
            }
        }
    }

    /// Checks the client's `PASSWORD_CLAIM_SIGNATURE` over the pool name, the user, the secret
    /// block and the timestamp it sent.
    pub fn check(
        &self,
        exchange: &Exchange,
        pool_name: &str,
        user_id: &str,
        secret_block: &[u8],
        timestamp: &str,
        signature_base64: &str,
    ) -> Result<(), SrpError> {
        let n = prime();
        let signature = STANDARD
            .decode(signature_base64)
            .map_err(|_| SrpError::BadSignature)?;
        let scrambler = BigUint::from_bytes_be(&hash(&[
            &padded(&exchange.client_public),
            &padded(&exchange.server_public),
        ]));
        if scrambler == BigUint::ZERO {
            return Err(SrpError::WrongPassword);
        }
        let verifier = BigUint::parse_bytes(self.verifier.as_bytes(), 16).unwrap_or_default();
        let shared = (&exchange.client_public * verifier.modpow(&scrambler, &n))
            .modpow(&exchange.secret, &n);
        let key = derive_key(&padded(&shared), &padded(&scrambler));
        let key = hmac::Key::new(hmac::HMAC_SHA256, &key);
        let message = [
            pool_name.as_bytes(),
            user_id.as_bytes(),
            secret_block,
            timestamp.as_bytes(),
        ]
        .concat();
        hmac::verify(&key, &message, &signature).map_err(|_| SrpError::WrongPassword)
    }
}

impl Exchange {
    /// `B` as the challenge sends it (`SRP_B`).
    pub fn server_public_hex(&self) -> String {
        hex(&self.server_public)
    }
}

/// HKDF-SHA256 with one output block cut to 16 bytes, info `Caldera Derived Key`.
fn derive_key(input: &[u8], salt: &[u8]) -> Vec<u8> {
    let extract = hmac::Key::new(hmac::HMAC_SHA256, salt);
    let pseudo_random = hmac::sign(&extract, input);
    let expand = hmac::Key::new(hmac::HMAC_SHA256, pseudo_random.as_ref());
    let block = hmac::sign(&expand, b"Caldera Derived Key\x01");
    block.as_ref()[..16].to_vec()
}

/// Whether `timestamp` has the form Cognito's clients send: `Mon Dec 7 21:43:31 UTC 2026`.
pub fn is_timestamp(timestamp: &str) -> bool {
    const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let parts: Vec<&str> = timestamp.split(' ').collect();
    let [weekday, month, day, time, zone, year] = parts.as_slice() else {
        return false;
    };
    let digits = |text: &str, lengths: &[usize]| {
        lengths.contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit())
    };
    let clock: Vec<&str> = time.split(':').collect();
    DAYS.contains(weekday)
        && MONTHS.contains(month)
        && digits(day, &[1, 2])
        && clock.len() == 3
        && clock.iter().all(|part| digits(part, &[2]))
        && *zone == "UTC"
        && digits(year, &[4])
}

/// A client's side of one SRP sign-in: its secret `a` and public `A`.
pub struct Client {
    secret: BigUint,
    public: BigUint,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").finish_non_exhaustive()
    }
}

/// The challenge's parameters a client signs with.
#[derive(Debug, Clone, Copy)]
pub struct Challenge<'a> {
    /// The part of the pool id after its `_`.
    pub pool_name: &'a str,
    /// `USER_ID_FOR_SRP`.
    pub user_id: &'a str,
    /// `SALT`, hex.
    pub salt: &'a str,
    /// `SRP_B`, hex.
    pub server_public: &'a str,
    /// `SECRET_BLOCK`, base64.
    pub secret_block: &'a str,
    /// The `TIMESTAMP` sent with the claim.
    pub timestamp: &'a str,
}

impl Client {
    pub fn new() -> Self {
        let secret = BigUint::from_bytes_be(&random_bytes(128)) % prime();
        let public = generator().modpow(&secret, &prime());
        Self { secret, public }
    }

    /// `SRP_A`, hex.
    pub fn public_hex(&self) -> String {
        hex(&self.public)
    }

    /// `PASSWORD_CLAIM_SIGNATURE` for `password`, base64.
    pub fn sign(&self, challenge: &Challenge<'_>, password: &str) -> Result<String, SrpError> {
        let n = prime();
        let server_public = parse_hex(challenge.server_public).ok_or(SrpError::BadPublicValue)?;
        let salt =
            BigUint::parse_bytes(challenge.salt.as_bytes(), 16).ok_or(SrpError::BadPublicValue)?;
        let block = STANDARD
            .decode(challenge.secret_block)
            .map_err(|_| SrpError::BadSignature)?;
        let scrambler =
            BigUint::from_bytes_be(&hash(&[&padded(&self.public), &padded(&server_public)]));
        let x = private_value(&salt, challenge.pool_name, challenge.user_id, password);
        let kgx = (multiplier() * generator().modpow(&x, &n)) % &n;
        let base = (&server_public + &n - kgx) % &n;
        let shared = base.modpow(&(&self.secret + &scrambler * &x), &n);
        let key = derive_key(&padded(&shared), &padded(&scrambler));
        let key = hmac::Key::new(hmac::HMAC_SHA256, &key);
        let message = [
            challenge.pool_name.as_bytes(),
            challenge.user_id.as_bytes(),
            &block,
            challenge.timestamp.as_bytes(),
        ]
        .concat();
        Ok(STANDARD.encode(hmac::sign(&key, &message)))
    }
}

impl Default for Client {
    fn default() -> Self {
        Self::new()
    }
}

/// The part of a pool id SRP names the pool by: `AbC123xyZ` of `us-east-1_AbC123xyZ`.
pub fn pool_name(pool_id: &str) -> &str {
    pool_id.split_once('_').map_or(pool_id, |(_, name)| name)
}

/// The `TIMESTAMP` a client sends now.
pub fn timestamp_now() -> String {
    timestamp(crate::clock::now_millis())
}

/// The `TIMESTAMP` a client sends for the instant `millis`: `Mon Dec 7 21:43:31 UTC 2026`.
pub fn timestamp(millis: i64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    let civil = crate::clock::Civil::at(millis);
    let weekday = DAYS[millis.div_euclid(86_400_000).rem_euclid(7) as usize];
    let date_time = civil.date_time();
    let time = date_time.split('T').nth(1).unwrap_or_default();
    format!(
        "{weekday} {} {} {time} UTC {}",
        civil.month_name(),
        civil.day,
        civil.year
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A proof of `password` over the block `block` and the timestamp `ts`.
    fn sign(
        client: &Client,
        user_id: &str,
        password: &str,
        verifier: &Verifier,
        b: &str,
    ) -> String {
        let block = STANDARD.encode(b"block");
        let challenge = Challenge {
            pool_name: "AbC123",
            user_id,
            salt: &verifier.salt,
            server_public: b,
            secret_block: &block,
            timestamp: "ts",
        };
        client.sign(&challenge, password).unwrap()
    }

    #[test]
    fn padding_adds_a_zero_byte_only_under_a_high_top_bit() {
        assert_eq!(padded(&BigUint::from(0x14_u8)), vec![0x14]);
        assert_eq!(padded(&BigUint::from(0xec_u8)), vec![0x00, 0xec]);
        assert_eq!(padded(&BigUint::ZERO), vec![0x00]);
        assert_eq!(padded(&prime()).len(), 385);
    }

    #[test]
    fn the_right_password_signs_and_a_wrong_one_does_not() {
        let verifier = Verifier::new("AbC123", "alice", "Passw0rd!");
        let client = Client::new();
        let exchange = verifier.start(&client.public_hex()).unwrap();
        let b = exchange.server_public_hex();
        let check = |user: &str, signature: &str| {
            verifier.check(&exchange, "AbC123", user, b"block", "ts", signature)
        };
        let good = sign(&client, "alice", "Passw0rd!", &verifier, &b);
        assert_eq!(check("alice", &good), Ok(()));
        let wrong = sign(&client, "alice", "passw0rd!", &verifier, &b);
        assert_eq!(check("alice", &wrong), Err(SrpError::WrongPassword));
        assert_eq!(check("mallory", &good), Err(SrpError::WrongPassword));
        let other = sign(&Client::new(), "alice", "Passw0rd!", &verifier, &b);
        assert_eq!(
            check("alice", &other),
            Err(SrpError::WrongPassword),
            "a proof made with another A does not fit this exchange"
        );
        assert_eq!(check("alice", "not base64!"), Err(SrpError::BadSignature));
    }

    #[test]
    fn a_decoy_verifier_matches_no_password() {
        let verifier = Verifier::decoy();
        let client = Client::new();
        let exchange = verifier.start(&client.public_hex()).unwrap();
        let signature = sign(
            &client,
            "alice",
            "Passw0rd!",
            &verifier,
            &exchange.server_public_hex(),
        );
        assert_eq!(
            verifier.check(&exchange, "AbC123", "alice", b"block", "ts", &signature),
            Err(SrpError::WrongPassword)
        );
    }

    #[test]
    fn a_public_value_of_zero_or_out_of_bounds_is_refused() {
        let verifier = Verifier::new("AbC123", "alice", "Passw0rd!");
        assert_eq!(verifier.start("0"), Err(SrpError::BadPublicValue));
        assert_eq!(verifier.start(N_HEX), Err(SrpError::BadPublicValue));
        assert_eq!(verifier.start("xyz"), Err(SrpError::BadPublicValue));
        assert_eq!(
            verifier.start(&"f".repeat(MAX_PUBLIC_HEX + 1)),
            Err(SrpError::BadPublicValue)
        );
    }

    #[test]
    fn timestamps_have_the_clients_form() {
        assert!(is_timestamp("Mon Dec 7 21:43:31 UTC 2026"));
        let millis = crate::clock::parse_amz_date("20261207T214331Z").unwrap();
        assert_eq!(timestamp(millis), "Mon Dec 7 21:43:31 UTC 2026");
        assert!(is_timestamp("Tue Dec 15 01:02:03 UTC 2026"));
        assert!(!is_timestamp("2026-12-07T21:43:31Z"));
        assert!(!is_timestamp("Mon Dec 7 21:43 UTC 2026"));
    }
}
