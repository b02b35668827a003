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
mod tests {
    use super::*;
    use proptest::prelude::*;

    // golang.org/x/mod/sumdb/note note_test.go (also in signed_note's tests).
    const PETER_SKEY: &str =
        "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
    const PETER_VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    const ENOCH_VKEY: &str = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
    const TEXT: &str = "If you think cryptography is the answer to your problem,\n\
                        then you don't know what your problem is.\n";
    const PETER_SIG: &str = "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
    const ENOCH_SIG: &str = "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

    // The Go checksum database's key (cmd/go knownGOSUMDB) and real signed tree heads of it.
    const SUMDB_VKEY: &str = "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8";
    const SUMDB_NOTES: [(&str, u64, &str); 2] = [
        (
            "go.sum database tree\n6476701\nmb8QLQIs0Z0yP5Cstq6guj87oXWeC9gEM8oVikmm9Wk=\n\n\
             — sum.golang.org Az3grsLX85Gz+s1SiTbgkuqxgItqFq7gsMUEyVnrsa9LM7Us9S+1xbFIGu95949rj4nPRYfvimWEPWL+o3GeoWwOoAw=\n",
            6476701,
            "mb8QLQIs0Z0yP5Cstq6guj87oXWeC9gEM8oVikmm9Wk=",
        ),
        (
            "go.sum database tree\n65209736\n5+uGFjx6xBZG8ip1+wi77v+grwbhhukIrxEUS8PXvRo=\n\n\
             — sum.golang.org Az3grnbssgK7ubgFX36gVETtNv0U23qxyAhAMai2QUfeGa3nB/akvkMdlUErfcZz7l/R3cVtYspg3dxXABkGZZKdsQ8=\n",
            65209736,
            "5+uGFjx6xBZG8ip1+wi77v+grwbhhukIrxEUS8PXvRo=",
        ),
    ];

    fn peter() -> SigningKey {
        // PRIVATE+KEY+name+id+base64; the base64 itself may hold '+'.
        let b64 = PETER_SKEY.splitn(5, '+').nth(4).unwrap();
        let raw = BASE64.decode(b64).unwrap();
        assert_eq!(raw[0], ALG_ED25519);
        SigningKey::from_bytes(raw[1..].try_into().unwrap())
    }

    fn test_key() -> SigningKey {
        SigningKey::from_bytes(&[7u8; 32])
    }

    fn test_cp() -> Checkpoint {
        Checkpoint {
            origin: "notary.example/log".into(),
            size: 42,
            root: crate::log::merkle::leaf_hash(b"root"),
        }
    }

    #[test]
    fn kat_go_note_key_id_vkey_and_signature() {
        let key = peter();
        let vk = key.verifying_key();
        assert_eq!(key_id("PeterNeumann", &vk), 0xc74f_20a3);
        assert_eq!(vkey("PeterNeumann", &vk), PETER_VKEY);
        let (name, parsed) = parse_vkey(PETER_VKEY).unwrap();
        assert_eq!((name.as_str(), parsed), ("PeterNeumann", vk));
        let signed = sign_note(TEXT, "PeterNeumann", &key).unwrap();
        assert_eq!(signed, format!("{TEXT}\n{PETER_SIG}"));
        assert_eq!(
            open_note(signed.as_bytes(), "PeterNeumann", &vk).unwrap(),
            TEXT
        );
    }

    #[test]
    fn kat_go_note_open_rules() {
        let (_, peter) = parse_vkey(PETER_VKEY).unwrap();
        let (_, enoch) = parse_vkey(ENOCH_VKEY).unwrap();
        let both = format!("{TEXT}\n{PETER_SIG}{ENOCH_SIG}");
        // Each key verifies its own line and ignores the other's.
        assert_eq!(
            open_note(both.as_bytes(), "PeterNeumann", &peter).unwrap(),
            TEXT
        );
        assert_eq!(
            open_note(both.as_bytes(), "EnochRoot", &enoch).unwrap(),
            TEXT
        );
        // Only the other key's signature: none from ours.
        let enoch_only = format!("{TEXT}\n{ENOCH_SIG}");
        assert!(matches!(
            open_note(enoch_only.as_bytes(), "PeterNeumann", &peter),
            Err(LogError::NoSignature { .. })
        ));
        // Right name, other key: its id differs, so the line is unknown and ignored.
        assert!(matches!(
            open_note(both.as_bytes(), "PeterNeumann", &enoch),
            Err(LogError::NoSignature { .. })
        ));
        // 101 signatures.
        let many = format!("{TEXT}\n{}", PETER_SIG.repeat(101));
        assert!(matches!(
            open_note(many.as_bytes(), "PeterNeumann", &peter),
            Err(LogError::TooManySignatures { .. })
        ));
        assert!(open_note(
            format!("{TEXT}\n{}", PETER_SIG.repeat(100)).as_bytes(),
            "PeterNeumann",
            &peter
        )
        .is_ok());
        // Invalid signature from our key (Go: insert "ABCD" at byte 60).
        let (a, b) = PETER_SIG.split_at(60);
        let bad = format!("{TEXT}\n{a}ABCD{b}");
        assert!(matches!(
            open_note(bad.as_bytes(), "PeterNeumann", &peter),
            Err(LogError::InvalidSignature { .. })
        ));
        // Go's badMsgs.
        let bad_msgs = [
            TEXT.to_string(),
            format!("{TEXT}\n"),
            format!("{TEXT}\n{}", &PETER_SIG[..PETER_SIG.len() - 1]),
            format!("\x01{TEXT}\n{PETER_SIG}"),
            format!("{TEXT}\n— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM="),
            format!("{TEXT}\n{PETER_SIG}Unexpected line.\n"),
        ];
        for msg in bad_msgs {
            assert!(
                open_note(msg.as_bytes(), "PeterNeumann", &peter).is_err(),
                "{msg:?}"
            );
        }
        let mut invalid_utf8 = vec![0xff];
        invalid_utf8.extend_from_slice(format!("{TEXT}\n{PETER_SIG}").as_bytes());
        assert!(matches!(
            open_note(&invalid_utf8, "PeterNeumann", &peter),
            Err(LogError::MalformedNote("not UTF-8"))
        ));
    }

    #[test]
    fn kat_sumdb_checkpoints_verify() {
        let (name, key) = parse_vkey(SUMDB_VKEY).unwrap();
        assert_eq!(name, "sum.golang.org");
        for (note, size, root) in SUMDB_NOTES {
            let cp = open_checkpoint(note, &name, &key).unwrap();
            assert_eq!(cp.origin, "go.sum database tree");
            assert_eq!(cp.size, size);
            assert_eq!(BASE64.encode(cp.root), root);
            // Tampering with the size breaks the signature.
            let forged = note.replacen(&size.to_string(), &(size + 1).to_string(), 1);
            assert!(matches!(
                open_checkpoint(&forged, &name, &key),
                Err(LogError::InvalidSignature { .. })
            ));
        }
    }

    #[test]
    fn round_trip() {
        let key = test_key();
        let cp = test_cp();
        assert_eq!(
            cp.body(),
            format!("notary.example/log\n42\n{}\n", BASE64.encode(cp.root))
        );
        assert_eq!(Checkpoint::parse_body(&cp.body()).unwrap(), cp);
        let note = sign_checkpoint(&cp, &cp.origin, &key);
        let id = key_id(&cp.origin, &key.verifying_key());
        let (body, sig_line) = note.split_once("\n\n").unwrap();
        assert_eq!(format!("{body}\n"), cp.body());
        let sig_b64 = sig_line
            .strip_prefix("— notary.example/log ")
            .and_then(|s| s.strip_suffix('\n'))
            .unwrap();
        let sig = BASE64.decode(sig_b64).unwrap();
        assert_eq!(sig.len(), 4 + 64);
        assert_eq!(sig[..4], id.to_be_bytes());
        let opened = open_checkpoint(&note, &cp.origin, &key.verifying_key()).unwrap();
        assert_eq!(opened, cp);
        // Empty tree and the largest size.
        for size in [0, u64::MAX] {
            let cp = Checkpoint { size, ..test_cp() };
            let note = sign_checkpoint(&cp, "notar", &key);
            assert_eq!(
                open_checkpoint(&note, "notar", &key.verifying_key()).unwrap(),
                cp
            );
        }
        // The vkey string round-trips, and is what Go would accept.
        let vk = key.verifying_key();
        let s = vkey("notary.example/log", &vk);
        assert_eq!(
            parse_vkey(&s).unwrap(),
            ("notary.example/log".to_string(), vk)
        );
    }

    #[test]
    fn cosignatures_and_unknown_keys_are_ignored() {
        let key = test_key();
        let witness = SigningKey::from_bytes(&[9u8; 32]);
        let cp = test_cp();
        let note = sign_checkpoint(&cp, "notar", &key);
        let cosigned = sign_note(&cp.body(), "witness.example", &witness).unwrap();
        let witness_line = cosigned.split_once("\n\n").unwrap().1;
        let vk = key.verifying_key();
        let after = format!("{note}{witness_line}");
        assert_eq!(open_checkpoint(&after, "notar", &vk).unwrap(), cp);
        let before = note.replacen("\n\n", &format!("\n\n{witness_line}"), 1);
        assert_eq!(open_checkpoint(&before, "notar", &vk).unwrap(), cp);
    }

    #[test]
    fn tampering_is_rejected() {
        let key = test_key();
        let vk = key.verifying_key();
        let cp = test_cp();
        let note = sign_checkpoint(&cp, "notar", &key);
        // Body changed: size, origin, root.
        for (from, to) in [("\n42\n", "\n43\n"), ("notary.example", "notary.exampl3")] {
            let forged = note.replacen(from, to, 1);
            assert!(matches!(
                open_checkpoint(&forged, "notar", &vk),
                Err(LogError::InvalidSignature { .. })
            ));
        }
        let other_root = Checkpoint {
            root: [0; 32],
            ..cp.clone()
        };
        let forged = note.replacen(&BASE64.encode(cp.root), &BASE64.encode(other_root.root), 1);
        assert!(open_checkpoint(&forged, "notar", &vk).is_err());
        // Wrong key, wrong name.
        let other = SigningKey::from_bytes(&[8u8; 32]).verifying_key();
        assert!(matches!(
            open_checkpoint(&note, "notar", &other),
            Err(LogError::NoSignature { .. })
        ));
        assert!(matches!(
            open_checkpoint(&note, "notar2", &vk),
            Err(LogError::NoSignature { .. })
        ));
        assert!(matches!(
            open_checkpoint(&note, "bad name", &vk),
            Err(LogError::InvalidKeyName)
        ));
        // Signed by the right key under the right name, but over something else.
        let other_sig = sign_note("something else\n", "notar", &key).unwrap();
        let sig_line = other_sig.split_once("\n\n").unwrap().1;
        let spliced = format!("{}\n{sig_line}", cp.body());
        assert!(matches!(
            open_checkpoint(&spliced, "notar", &vk),
            Err(LogError::InvalidSignature { .. })
        ));
    }

    #[test]
    fn malformed_bodies_rejected() {
        let root = BASE64.encode([1u8; 32]);
        let good = format!("o\n5\n{root}\n");
        assert!(Checkpoint::parse_body(&good).is_ok());
        let bad = [
            String::new(),
            "\n".into(),
            format!("o\n5\n{root}"),
            format!("\n5\n{root}\n"),
            format!("o\n05\n{root}\n"),
            format!("o\n+5\n{root}\n"),
            format!("o\n-5\n{root}\n"),
            format!("o\n 5\n{root}\n"),
            format!("o\n5 \n{root}\n"),
            format!("o\n\n{root}\n"),
            format!("o\n18446744073709551616\n{root}\n"),
            format!("o\n0x5\n{root}\n"),
            format!("o\n5\n{root}\next\n"),
            format!("o\n5\n{root}\n\n"),
            format!("o\r\n5\n{root}\n"),
            format!("o\t\n5\n{root}\n"),
            "o\n5\n".into(),
            "o\n".into(),
            format!("o\n5\n{}\n", BASE64.encode([1u8; 31])),
            format!("o\n5\n{}\n", BASE64.encode([1u8; 33])),
            format!("o\n5\n{}\n", &root[..43]),
            // Non-canonical: last character carries bits the 32 bytes do not have.
            format!("o\n5\n{}B=\n", &root[..42]),
            format!("o\n5\n{}\n", root.replace('=', "A")),
            format!("o\n5\n{}\n", root.replacen('A', "-", 1)),
        ];
        for body in bad {
            assert!(Checkpoint::parse_body(&body).is_err(), "{body:?}");
        }
        assert_eq!(
            Checkpoint::parse_body(&format!("o\n0\n{root}\n"))
                .unwrap()
                .size,
            0
        );
        assert_eq!(
            Checkpoint::parse_body(&format!("o\n18446744073709551615\n{root}\n"))
                .unwrap()
                .size,
            u64::MAX
        );
    }

    #[test]
    fn malformed_notes_rejected() {
        let key = test_key();
        let vk = key.verifying_key();
        let note = sign_checkpoint(&test_cp(), "notar", &key);
        let (body, sig) = note.split_once("\n\n").unwrap();
        let bad = [
            String::new(),
            "\n\n".into(),
            body.to_string(),
            format!("{body}\n"),
            format!("{body}\n\n"),
            format!("{body}\n\n{}", sig.trim_end()),
            format!("{body}\n\n{}", sig.replace('—', "-")),
            format!("{body}\n\n{}", sig.replace("— ", "—")),
            format!("{body}\n\n{}", sig.replace("notar ", "notar  ")),
            format!("{body}\n\n— notar AAAA\n"),
            format!("{body}\n\n— notar !!!!\n"),
            format!("{body}\n\n{sig}\n"),
            format!("{body}\n\n{sig}garbage\n"),
            note.replace('\n', "\r\n"),
            format!("{body}\n{sig}"),
        ];
        for n in bad {
            assert!(open_checkpoint(&n, "notar", &vk).is_err(), "{n:?}");
        }
        // Oversize, before any parsing.
        let huge = format!("{}\n\n{sig}", "x".repeat(MAX_NOTE_BYTES));
        assert!(matches!(
            open_checkpoint(&huge, "notar", &vk),
            Err(LogError::NoteTooLarge { .. })
        ));
        // A valid note whose text is not a checkpoint.
        let not_cp = sign_note("hello\n", "notar", &key).unwrap();
        assert!(matches!(
            open_checkpoint(&not_cp, "notar", &vk),
            Err(LogError::MalformedCheckpoint(_))
        ));
        // Nothing ambiguous gets signed.
        for origin in ["", "two\nlines", "tab\there"] {
            let cp = Checkpoint {
                origin: origin.into(),
                ..test_cp()
            };
            assert!(
                try_sign_checkpoint(&cp, "notar", &key).is_err(),
                "{origin:?}"
            );
            let note = sign_checkpoint(&cp, "notar", &key);
            assert_eq!(note, "");
            assert!(open_checkpoint(&note, "notar", &vk).is_err());
        }
        for name in ["", "a b", "a+b", "a\nb", "a\u{2003}b"] {
            assert!(matches!(
                try_sign_checkpoint(&test_cp(), name, &key),
                Err(LogError::InvalidKeyName)
            ));
            assert_eq!(sign_checkpoint(&test_cp(), name, &key), "");
            assert!(check_key_name(name).is_err());
            assert!(parse_vkey(&vkey(name, &vk)).is_err());
        }
    }

    #[test]
    fn mangled_vkeys_rejected() {
        // Go's TestNewVerifier: every proper substring and every one-byte increment fails.
        let b = PETER_VKEY.as_bytes();
        for i in 0..=b.len() {
            for j in i + 1..=b.len() {
                if i != 0 || j != b.len() {
                    let s = String::from_utf8_lossy(&b[i..j]);
                    assert!(parse_vkey(&s).is_err(), "{s}");
                }
            }
        }
        for i in 0..b.len() {
            let mut m = b.to_vec();
            m[i] = m[i].wrapping_add(1);
            let s = String::from_utf8_lossy(&m);
            assert!(parse_vkey(&s).is_err(), "{s}");
        }
        // Wrong length and unknown algorithm, with matching key ids (from Go's tests).
        assert!(parse_vkey(
            "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY=="
        )
        .is_err());
        assert!(
            parse_vkey("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")
                .is_err()
        );
        // A small-order key with a correct id.
        let mut weak = [0u8; 33];
        weak[0] = ALG_ED25519;
        weak[1] = 1; // the identity point
        let s = format!(
            "weak+{:08x}+{}",
            signed_note::key_id("weak", &weak),
            BASE64.encode(weak)
        );
        assert!(matches!(
            parse_vkey(&s),
            Err(LogError::MalformedVerifierKey("weak Ed25519 key"))
        ));
    }

    fn signed_test_note() -> &'static (String, VerifyingKey) {
        static CELL: std::sync::OnceLock<(String, VerifyingKey)> = std::sync::OnceLock::new();
        CELL.get_or_init(|| {
            let key = test_key();
            let note = sign_checkpoint(&test_cp(), "notar", &key);
            (note, key.verifying_key())
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// Any bytes at all: an answer, never a panic.
        #[test]
        fn open_is_total(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            let (_, vk) = signed_test_note();
            let _ = open_checkpoint_bytes(&bytes, "notar", vk);
            let _ = parse_vkey(&String::from_utf8_lossy(&bytes));
            if let Ok(s) = std::str::from_utf8(&bytes) {
                let _ = Checkpoint::parse_body(s);
            }
        }

        /// Changing any one byte of a signed checkpoint makes it fail.
        #[test]
        fn any_byte_change_is_rejected(pos in any::<usize>(), delta in 1u8..=255) {
            let (note, vk) = signed_test_note();
            let mut bytes = note.clone().into_bytes();
            let i = pos % bytes.len();
            bytes[i] = bytes[i].wrapping_add(delta);
            prop_assert!(open_checkpoint_bytes(&bytes, "notar", vk).is_err());
        }

        /// Appending noise never panics; signing any body round-trips.
        #[test]
        fn round_trip_any(origin in "[a-z0-9./ -]{1,40}", size in any::<u64>(), root in any::<[u8; 32]>()) {
            let key = test_key();
            let cp = Checkpoint { origin, size, root };
            let note = sign_checkpoint(&cp, "notar", &key);
            prop_assert_eq!(open_checkpoint(&note, "notar", &key.verifying_key()).unwrap(), cp);
        }
    }
}
