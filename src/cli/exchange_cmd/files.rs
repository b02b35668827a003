//! Reading and writing the files of an exchange: keys, envelopes, nonces, secrets (0600), and the
//! parsed payloads they hold. Unreadable or malformed input is a usage error (exit 2); a check
//! that fails on well-formed input is a refusal (exit 1), decided by the callers.

use std::fs::OpenOptions;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use anyhow::{anyhow, Context};
use base64::Engine;
use ed25519_dalek::pkcs8::DecodePublicKey;
use ed25519_dalek::{SigningKey, VerifyingKey};
use serde::Serialize;

use crate::cli::{Classify, Failure};
use crate::crypto::envelope::Envelope;
use crate::crypto::keys::{ed25519_from_pem, key_id};
use crate::crypto::zeroize::Zeroizing;
use crate::model::exchange::{ExchangePayload, Offer, Sha256Hex, WireTime};

/// Length of a party's secret nonce (na, nb) in bytes.
pub const NONCE_LEN: usize = 32;

/// The bytes of `path`.
pub fn read(path: &Path) -> Result<Vec<u8>, Failure> {
    std::fs::read(path)
        .with_context(|| format!("reading {}", path.display()))
        .usage()
}

/// A party's Ed25519 private key (PKCS#8 PEM, as `openssl genpkey -algorithm ed25519` writes).
pub fn signing_key(path: &Path) -> Result<SigningKey, Failure> {
    let pem = Zeroizing::new(
        String::from_utf8(read(path)?)
            .map_err(|_| anyhow!("{}: not a PEM file", path.display()))
            .usage()?,
    );
    ed25519_from_pem(&pem)
        .with_context(|| path.display().to_string())
        .usage()
}

/// A party's Ed25519 public key, given as 64 hex digits (the raw key, as `notar party add
/// --key-hex` takes it) or as the path of a PEM public key (`openssl pkey -pubout`).
pub fn public_key(arg: &str, flag: &str) -> Result<VerifyingKey, Failure> {
    let arg = arg.trim();
    let raw = if arg.len() == 64 && arg.bytes().all(|b| b.is_ascii_hexdigit()) {
        hex::decode(arg).ok()
    } else {
        None
    };
    if let Some(raw) = raw.and_then(|r| <[u8; 32]>::try_from(r).ok()) {
        return VerifyingKey::from_bytes(&raw)
            .map_err(|_| Failure::Usage(anyhow!("{flag}: not a valid Ed25519 public key")));
    }
    let path = Path::new(arg);
    let text = String::from_utf8(read(path)?)
        .map_err(|_| anyhow!("{flag} {}: not a PEM file", path.display()))
        .usage()?;
    VerifyingKey::from_public_key_pem(&text)
        .map_err(|e| {
            anyhow!(
                "{flag} {}: not an Ed25519 public key PEM ({e}); give the raw key as 64 hex \
                 digits or the `openssl pkey -pubout` file",
                path.display()
            )
        })
        .usage()
}

/// The envelope in `path`, which must be of `kind`.
pub fn envelope(path: &Path, kind: &str) -> Result<Envelope, Failure> {
    let bytes = read(path)?;
    let env: Envelope = serde_json::from_slice(&bytes)
        .with_context(|| format!("{}: not a signed envelope", path.display()))
        .usage()?;
    if env.kind != kind {
        return Err(Failure::Usage(anyhow!(
            "{}: a {:?} envelope, expected {kind:?}",
            path.display(),
            env.kind.chars().take(64).collect::<String>()
        )));
    }
    Ok(env)
}

/// The payload of `env` as `T`, in its one canonical shape.
pub fn payload<T: ExchangePayload>(env: &Envelope, path: &Path) -> Result<T, Failure> {
    T::from_payload(&env.payload)
        .map_err(|r| {
            anyhow!(
                "{}: not a well-formed {} payload ({})",
                path.display(),
                T::KIND,
                r.code()
            )
        })
        .usage()
}

/// m1 from `path`: the envelope, and the offer with its tid.
pub fn offer(path: &Path) -> Result<(Envelope, Offer), Failure> {
    let env = envelope(path, crate::model::exchange::ContractOffer::KIND)?;
    let offer = Offer::new(payload(&env, path)?)
        .map_err(|r| anyhow!("{}: not a well-formed m1 ({})", path.display(), r.code()))
        .usage()?;
    Ok((env, offer))
}

/// Checks that `env` carries a valid signature by `key` (exit 1 otherwise).
pub fn check_signed_by(env: &Envelope, key: &VerifyingKey, what: &str) -> Result<(), Failure> {
    env.verify_by(key)
        .map_err(|e| anyhow!("{what} is not signed by key {}: {e}", key_id(key)))
        .refused()
}

/// Signs `payload` as its kind.
pub fn sign<T: ExchangePayload>(payload: &T, key: &SigningKey) -> Result<Envelope, Failure> {
    let value = serde_json::to_value(payload)
        .context("encoding the payload")
        .usage()?;
    Envelope::sign(T::KIND, value, key)
        .context("signing the payload")
        .usage()
}

/// Writes `value` as pretty JSON and a newline.
pub fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<(), Failure> {
    let mut text = serde_json::to_string_pretty(value)
        .context("encoding JSON")
        .usage()?;
    text.push('\n');
    write(path, text.as_bytes())
}

/// Writes `bytes` to `path` (replacing a file that is there).
pub fn write(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    std::fs::write(path, bytes)
        .with_context(|| format!("writing {}", path.display()))
        .usage()
}

/// Writes a secret to a new file of mode 0600; never replaces a file, so that a secret still
/// needed (a nonce whose m1 was sent) is not lost.
pub fn write_secret(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    let mut f = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| {
            format!(
                "creating {} (a secret is never written over an existing file)",
                path.display()
            )
        })
        .usage()?;
    f.write_all(bytes)
        .and_then(|()| f.sync_all())
        .with_context(|| format!("writing {}", path.display()))
        .usage()
}

/// A fresh secret nonce (na or nb) and the text of its file: 64 lowercase hex digits and a
/// newline. Its digest in m1/m2 is the SHA-256 of the 32 raw bytes.
pub fn new_nonce() -> (Zeroizing<[u8; NONCE_LEN]>, Zeroizing<String>) {
    let mut nonce = Zeroizing::new([0u8; NONCE_LEN]);
    crate::crypto::fill_random(&mut nonce[..]);
    let text = Zeroizing::new(format!("{}\n", hex::encode(&nonce[..])));
    (nonce, text)
}

/// A nonce file written by [`new_nonce`] (or sent by the other party).
pub fn read_nonce(path: &Path) -> Result<Zeroizing<[u8; NONCE_LEN]>, Failure> {
    let bytes = Zeroizing::new(read(path)?);
    let text = std::str::from_utf8(&bytes).unwrap_or("").trim();
    let raw = Zeroizing::new(hex::decode(text).unwrap_or_default());
    <[u8; NONCE_LEN]>::try_from(raw.as_slice())
        .map(Zeroizing::new)
        .map_err(|_| {
            anyhow!(
                "{}: a nonce file holds 64 hex digits (32 bytes)",
                path.display()
            )
        })
        .usage()
}

/// An item key k as base64 (standard, padded): 44 characters; files add a newline.
pub fn key_from_base64(text: &str, what: &str) -> Result<Zeroizing<Vec<u8>>, Failure> {
    base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .map(Zeroizing::new)
        .map_err(|e| anyhow!("{what}: not base64 ({e})"))
        .usage()
}

/// A notary key id given on the command line (64 hex digits, either case).
pub fn key_id_arg(text: &str, flag: &str) -> Result<Sha256Hex, Failure> {
    digest_arg(text, flag, "the notary's `key_id` of GET /v1/notary")
}

/// A SHA-256 given on the command line (64 hex digits, either case); `what` says what it is.
pub fn digest_arg(text: &str, flag: &str, what: &str) -> Result<Sha256Hex, Failure> {
    Sha256Hex::try_from(text.trim().to_ascii_lowercase())
        .map_err(|e| anyhow!("{flag}: {e} ({what})"))
        .usage()
}

/// `--deadline`: any RFC 3339 time, stored as UTC with milliseconds.
pub fn deadline_arg(text: &str) -> Result<WireTime, Failure> {
    let t = chrono::DateTime::parse_from_rfc3339(text.trim())
        .map_err(|e| anyhow!("--deadline {text:?}: not an RFC 3339 time ({e})"))
        .usage()?
        .to_utc();
    WireTime::new(t)
        .ok_or_else(|| anyhow!("--deadline {text:?}: at most millisecond precision"))
        .usage()
}
