//! Signed checkpoints: the log's tree head as a C2SP tlog-checkpoint
//! (<https://c2sp.org/tlog-checkpoint>) inside a C2SP signed note
//! (<https://c2sp.org/signed-note>) with an Ed25519 signature, so Go's `sumdb/note`, witnesses
//! and other tlog tooling verify it as is.
//!
//! The note envelope (signature lines, key ids, size and count limits, "ignore unknown keys,
//! reject a bad signature from a known key") is the `signed_note` crate 0.2 from Cloudflare's
//! azul: a port of Go's `golang.org/x/mod/sumdb/note` on the same `ed25519-dalek` 2 / `sha2`
//! 0.10 generation as notar, panic-free on review (it costs a second `base64` and `thiserror`
//! in the build). Its companion `tlog_tiles` parses checkpoints into its own `Hash` type and
//! keeps extension lines; the body here is three strict lines instead, so a [`Checkpoint`] is
//! exactly the text that was signed. Verifier key strings and their parsing are done here too,
//! because `signed_note` does not hand out the parsed public key.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use signed_note::{Note, NoteError, VerifierList};

use super::merkle::Hash;
use super::LogError;

/// Largest note accepted, in bytes. It is the limit of `signed_note` and Go's `sumdb/note`
/// (10^6, just under 1 MiB); a checkpoint with a few signatures is a few hundred bytes.
pub const MAX_NOTE_BYTES: usize = 1_000_000;

/// Most signature lines accepted in a note, as in `signed_note` and Go's `sumdb/note`.
pub const MAX_NOTE_SIGNATURES: usize = 100;

/// C2SP signed-note signature type of Ed25519.
const ALG_ED25519: u8 = 0x01;

/// A tree head: the log `origin`, its `size` in leaves and the RFC 9162 `root` at that size.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    /// Identity of the log, e.g. `notary.example/log`. Non-empty, no control characters.
    pub origin: String,
    /// Number of leaves.
    pub size: u64,
    /// Merkle tree hash of the first `size` leaves.
    pub root: Hash,
}

impl Checkpoint {
    /// The note text that is signed: `origin\nsize\nbase64(root)\n` (no extension lines).
    pub fn body(&self) -> String {
        format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            BASE64.encode(self.root)
        )
    }

    /// Parses a body as produced by [`Checkpoint::body`], strictly: exactly three lines, a
    /// non-empty origin without control characters, a decimal size without sign or leading
    /// zeros, and the canonical base64 of 32 bytes. Extension lines are refused (the notary never
    /// writes them, and accepting them would make the parsed value differ from what was signed).
    pub fn parse_body(text: &str) -> Result<Self, LogError> {
        let lines = text
            .strip_suffix('\n')
            .ok_or(LogError::MalformedCheckpoint(
                "body must end with a newline",
            ))?;
        let mut lines = lines.split('\n');
        let origin = lines.next().unwrap_or_default();
        let size = lines
            .next()
            .ok_or(LogError::MalformedCheckpoint("missing tree size line"))?;
        let root = lines
            .next()
            .ok_or(LogError::MalformedCheckpoint("missing root hash line"))?;
        if lines.next().is_some() {
            return Err(LogError::MalformedCheckpoint(
                "extension lines are not accepted",
            ));
        }
        check_origin(origin)?;
        Ok(Self {
            origin: origin.to_owned(),
            size: parse_size(size)?,
            root: parse_root(root)?,
        })
    }
}

/// Checks a checkpoint origin: non-empty, no control characters (a newline would let the origin
/// forge the size and root lines). Run it on the configured origin at startup.
pub fn check_origin(origin: &str) -> Result<(), LogError> {
    if origin.is_empty() {
        return Err(LogError::MalformedCheckpoint("empty origin"));
    }
    if origin.chars().any(|c| c < ' ') {
        return Err(LogError::MalformedCheckpoint("control character in origin"));
    }
    Ok(())
}

fn parse_size(line: &str) -> Result<u64, LogError> {
    if line.is_empty() || !line.bytes().all(|b| b.is_ascii_digit()) {
        return Err(LogError::MalformedCheckpoint("tree size is not decimal"));
    }
    if line.len() > 1 && line.starts_with('0') {
        return Err(LogError::MalformedCheckpoint("leading zero in tree size"));
    }
    line.parse()
        .map_err(|_| LogError::MalformedCheckpoint("tree size out of range"))
}

fn parse_root(line: &str) -> Result<Hash, LogError> {
    // 44 characters is the padded encoding of 32 bytes; the engine rejects non-canonical ones.
    if line.len() != 44 {
        return Err(LogError::MalformedCheckpoint("root hash is not 32 bytes"));
    }
    let bytes = BASE64
        .decode(line)
        .map_err(|_| LogError::MalformedCheckpoint("root hash is not base64"))?;
    bytes
        .try_into()
        .map_err(|_| LogError::MalformedCheckpoint("root hash is not 32 bytes"))
}

/// Checks a note key name: non-empty, no Unicode space, no `+` (C2SP signed-note). Run it on
/// the configured key name at startup.
pub fn check_key_name(name: &str) -> Result<(), LogError> {
    if signed_note::is_key_name_valid(name) {
        Ok(())
    } else {
        Err(LogError::InvalidKeyName)
    }
}

/// `0x01 || public key`, the encoding the key id and the verifier key string are made of.
fn encoded_key(key: &VerifyingKey) -> [u8; 33] {
    let mut out = [0u8; 33];
    out[0] = ALG_ED25519;
    out[1..].copy_from_slice(key.as_bytes());
    out
}

/// C2SP note key id of an Ed25519 key: the first 4 bytes (big-endian) of
/// `SHA-256(name || 0x0A || 0x01 || public key)`. Signature lines carry it so verifiers can pick
/// the key; it is an identifier, not a security check.
pub fn key_id(key_name: &str, key: &VerifyingKey) -> u32 {
    signed_note::key_id(key_name, &encoded_key(key))
}

/// The verifier key string `name+hex8(keyid)+base64(0x01||pubkey)` that Go's `note.NewVerifier`
/// and tlog witnesses take; `GET /v1/notary` publishes it. `key_name` should pass
/// [`check_key_name`] (checked when the configuration is loaded); with an invalid name the string
/// is still produced, and every verifier, [`parse_vkey`] included, refuses it.
pub fn vkey(key_name: &str, key: &VerifyingKey) -> String {
    format!(
        "{}+{:08x}+{}",
        key_name,
        key_id(key_name, key),
        BASE64.encode(encoded_key(key))
    )
}

/// Parses a verifier key string made by [`vkey`] (or Go's `note.NewEd25519VerifierKey`) into
/// the key name and the Ed25519 key. Checks the key id against the key, and refuses other
/// signature types and weak (small-order) keys.
pub fn parse_vkey(s: &str) -> Result<(String, VerifyingKey), LogError> {
    let (name, rest) = s
        .split_once('+')
        .ok_or(LogError::MalformedVerifierKey("missing '+'"))?;
    let (id_hex, key_b64) = rest
        .split_once('+')
        .ok_or(LogError::MalformedVerifierKey("missing second '+'"))?;
    check_key_name(name).map_err(|_| LogError::MalformedVerifierKey("invalid key name"))?;
    if id_hex.len() != 8 || !id_hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(LogError::MalformedVerifierKey("key id is not 8 hex digits"));
    }
    let id = u32::from_str_radix(id_hex, 16)
        .map_err(|_| LogError::MalformedVerifierKey("key id is not 8 hex digits"))?;
    let raw = BASE64
        .decode(key_b64)
        .map_err(|_| LogError::MalformedVerifierKey("key is not base64"))?;
    let (alg, key) = raw
        .split_first()
        .ok_or(LogError::MalformedVerifierKey("empty key"))?;
    if *alg != ALG_ED25519 {
        return Err(LogError::MalformedVerifierKey("not an Ed25519 key"));
    }
    let key: &[u8; 32] = key
        .try_into()
        .map_err(|_| LogError::MalformedVerifierKey("Ed25519 key is not 32 bytes"))?;
    let key = VerifyingKey::from_bytes(key)
        .map_err(|_| LogError::MalformedVerifierKey("not a valid Ed25519 point"))?;
    if key.is_weak() {
        return Err(LogError::MalformedVerifierKey("weak Ed25519 key"));
    }
    if signed_note::key_id(name, &raw) != id {
        return Err(LogError::MalformedVerifierKey(
            "key id does not match the key",
        ));
    }
    Ok((name.to_owned(), key))
}

/// Signs with our Ed25519 key for `signed_note`.
struct NoteSigner<'a> {
    name: &'a str,
    id: u32,
    key: &'a SigningKey,
}

impl signed_note::Signer for NoteSigner<'_> {
    fn name(&self) -> &str {
        self.name
    }
    fn key_id(&self) -> u32 {
        self.id
    }
    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, ed25519_dalek::SignatureError> {
        Ok(self.key.sign(msg).to_bytes().to_vec())
    }
}

/// Verifies with the one key we trust, for `signed_note`.
struct NoteVerifier {
    name: String,
    id: u32,
    key: VerifyingKey,
}

impl signed_note::Verifier for NoteVerifier {
    fn name(&self) -> &str {
        &self.name
    }
    fn key_id(&self) -> u32 {
        self.id
    }
    fn verify(&self, msg: &[u8], sig: &[u8]) -> bool {
        // Strict RFC 8032 checks: canonical S, no small-order R or key.
        Signature::from_slice(sig)
            .map(|sig| self.key.verify_strict(msg, &sig).is_ok())
            .unwrap_or(false)
    }
}

/// Signs any note text (ending in a newline) with one Ed25519 signature line.
fn sign_note(text: &str, key_name: &str, key: &SigningKey) -> Result<String, LogError> {
    check_key_name(key_name)?;
    let mut note = Note::new(text.as_bytes(), &[])
        .map_err(|_| LogError::MalformedNote("text is not a valid note text"))?;
    let signer = NoteSigner {
        name: key_name,
        id: key_id(key_name, &key.verifying_key()),
        key,
    };
    note.add_sigs(&[&signer])
        .map_err(|_| LogError::Internal("signing a note failed"))?;
    String::from_utf8(note.to_bytes()).map_err(|_| LogError::Internal("signed note is not UTF-8"))
}

/// Checks a signed note against our key and returns its text. Unknown signature lines (other
/// keys, witnesses' cosignatures) are ignored; a bad signature from our key rejects the note.
fn open_note(note: &[u8], key_name: &str, key: &VerifyingKey) -> Result<String, LogError> {
    if note.len() > MAX_NOTE_BYTES {
        return Err(LogError::NoteTooLarge {
            size: note.len(),
            limit: MAX_NOTE_BYTES,
        });
    }
    check_key_name(key_name)?;
    let text = std::str::from_utf8(note).map_err(|_| LogError::MalformedNote("not UTF-8"))?;
    // Precise reasons for the common faults; signed_note stays the authority on the format.
    if text.chars().any(|c| c < ' ' && c != '\n') {
        return Err(LogError::MalformedNote("control character"));
    }
    if !text.ends_with('\n') {
        return Err(LogError::MalformedNote("missing final newline"));
    }
    let Some((_, sigs)) = text.rsplit_once("\n\n") else {
        return Err(LogError::MalformedNote(
            "no blank line before the signatures",
        ));
    };
    if sigs.matches('\n').count() > MAX_NOTE_SIGNATURES {
        return Err(LogError::TooManySignatures {
            limit: MAX_NOTE_SIGNATURES,
        });
    }
    let parsed =
        Note::from_bytes(note).map_err(|_| LogError::MalformedNote("malformed signature line"))?;
    let id = key_id(key_name, key);
    let ours = VerifierList::new(vec![Box::new(NoteVerifier {
        name: key_name.to_owned(),
        id,
        key: *key,
    })]);
    let key_label = || format!("{key_name}+{id:08x}");
    match parsed.verify(&ours) {
        Ok(_) => {}
        Err(NoteError::InvalidSignature { .. }) => {
            return Err(LogError::InvalidSignature { key: key_label() })
        }
        Err(NoteError::UnverifiedNote) => return Err(LogError::NoSignature { key: key_label() }),
        Err(_) => {
            return Err(LogError::Internal(
                "unexpected signed-note verification error",
            ))
        }
    }
    std::str::from_utf8(parsed.text())
        .map(str::to_owned)
        .map_err(|_| LogError::Internal("verified note text is not UTF-8"))
}

/// The full signed note of `cp`: its [`Checkpoint::body`], a blank line, and
/// `— key_name base64(keyid || signature)`. The key name should be the origin (C2SP).
///
/// Infallible for an origin and key name that pass [`check_origin`] and [`check_key_name`],
/// which the notary checks once when it loads its configuration. Otherwise nothing is signed
/// and the result is the empty string, which every verifier refuses: an origin holding a newline
/// would let the signed text be read as a different size and root. [`try_sign_checkpoint`] says
/// why instead.
pub fn sign_checkpoint(cp: &Checkpoint, key_name: &str, key: &SigningKey) -> String {
    try_sign_checkpoint(cp, key_name, key).unwrap_or_default()
}

/// [`sign_checkpoint`] that reports an invalid origin or key name as an error.
pub fn try_sign_checkpoint(
    cp: &Checkpoint,
    key_name: &str,
    key: &SigningKey,
) -> Result<String, LogError> {
    check_origin(&cp.origin)?;
    sign_note(&cp.body(), key_name, key)
}

/// Parses and verifies a signed checkpoint: at least one valid signature by `key` under
/// `key_name`, other keys' signature lines ignored, then the strict body rules of
/// [`Checkpoint::parse_body`]. The caller still compares `origin` with the log it expects.
pub fn open_checkpoint(
    note: &str,
    key_name: &str,
    key: &VerifyingKey,
) -> Result<Checkpoint, LogError> {
    open_checkpoint_bytes(note.as_bytes(), key_name, key)
}

/// [`open_checkpoint`] on raw bytes as received (HTTP body, file): the size limit applies
/// before anything else, and non-UTF-8 input is refused.
pub fn open_checkpoint_bytes(
    note: &[u8],
    key_name: &str,
    key: &VerifyingKey,
) -> Result<Checkpoint, LogError> {
    let text = open_note(note, key_name, key)?;
    Checkpoint::parse_body(&text)
}

#[cfg(test)]
#[path = "checkpoint_tests.rs"]
mod tests;
