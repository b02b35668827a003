//! `--evidence FILE`: a signed JSON envelope goes in whole (so do the envelopes a notary's answer
//! holds), an RFC 3161 reply (`.tsr`) as its DER, any other file by its SHA-256, name and media
//! type (its bytes stay with the party).

use std::io::Read;
use std::path::Path;

use anyhow::Context;
use base64::Engine;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::cli::{Classify, Failure};
use crate::crypto::envelope::Envelope;
use crate::model::complaint::{DOCUMENT_CONTENT_LEN_MAX, EVIDENCE_ITEM_LEN_MAX};

/// Largest file read whole to see whether it is an envelope or a token.
const SNIFF_LEN_MAX: u64 = EVIDENCE_ITEM_LEN_MAX as u64;

/// The evidence items for the file at `path`: one, or for a notary's answer that holds signed
/// envelopes (a guarantee answer, an exchange decision, a log entry) each envelope it holds, as
/// `notar verify` reads such files. Sent as a document, such an answer was only a digest, the
/// signed objects in it unread (s11 M3).
pub(super) fn items(path: &Path) -> Result<Vec<Value>, Failure> {
    let len = std::fs::metadata(path)
        .with_context(|| format!("reading {}", path.display()))
        .usage()?
        .len();
    let ext = extension(path);
    if len <= SNIFF_LEN_MAX {
        let bytes = std::fs::read(path)
            .with_context(|| format!("reading {}", path.display()))
            .usage()?;
        if matches!(ext.as_str(), "tsr" | "tst") {
            let token = base64::engine::general_purpose::STANDARD.encode(&bytes);
            return Ok(vec![json!({"type": "rfc3161_token", "token": token})]);
        }
        if let Ok(envelope) = serde_json::from_slice::<Envelope>(&bytes) {
            return Ok(vec![json!({"type": "envelope", "envelope": envelope})]);
        }
        if let Some(held) = answer_envelopes(&bytes) {
            return Ok(held);
        }
    }
    Ok(vec![document(path, &ext)?])
}

/// The envelopes an answer in `bytes` holds, when it holds any and each is one.
fn answer_envelopes(bytes: &[u8]) -> Option<Vec<Value>> {
    let v: Value = serde_json::from_slice(bytes).ok()?;
    let found = crate::cli::envelope_verify::find_envelopes(&v).ok()?;
    found
        .into_iter()
        .map(|(_, e)| {
            let envelope = serde_json::from_value::<Envelope>(e.clone()).ok()?;
            Some(json!({"type": "envelope", "envelope": envelope}))
        })
        .collect()
}

/// `--evidence-content FILE`: a document sent with its content (at most 8 KiB), such as the
/// escrow of an item exchange, which the notary needs to resolve it at once.
pub(super) fn with_content(path: &Path) -> Result<Value, Failure> {
    let bytes = std::fs::read(path)
        .with_context(|| format!("reading {}", path.display()))
        .usage()?;
    if bytes.len() > DOCUMENT_CONTENT_LEN_MAX {
        return Err(Failure::Usage(anyhow::anyhow!(
            "{}: {} bytes; a document goes with its content up to {DOCUMENT_CONTENT_LEN_MAX} \
             (send a larger one with --evidence, by its digest)",
            path.display(),
            bytes.len()
        )));
    }
    let ext = extension(path);
    document_of(path, &bytes, media_type(&ext))
}

/// `--nonce FILE`: a nonce file of `notar exchange offer|accept --nonce-out` (64 hex digits)
/// sent as its pre-image, the 32 bytes whose SHA-256 m1 or m2 names: with m1, m2 and both
/// nonces a dispute can show the standard contract binds both.
pub(super) fn nonce(path: &Path) -> Result<Value, Failure> {
    let na = crate::cli::exchange_cmd::files::read_nonce(path)?;
    document_of(path, &na[..], "application/octet-stream")
}

fn document_of(path: &Path, bytes: &[u8], media_type: &str) -> Result<Value, Failure> {
    Ok(json!({
        "type": "document",
        "sha256": hex::encode(Sha256::digest(bytes)),
        "name": file_name(path),
        "media_type": media_type,
        "content": base64::engine::general_purpose::STANDARD.encode(bytes),
    }))
}

fn extension(path: &Path) -> String {
    path.extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase()
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "document".into())
}

/// A document by digest: SHA-256 of its bytes (read in chunks, whatever its size).
fn document(path: &Path, ext: &str) -> Result<Value, Failure> {
    let mut file = std::fs::File::open(path)
        .with_context(|| format!("reading {}", path.display()))
        .usage()?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = file
            .read(&mut buf)
            .with_context(|| format!("reading {}", path.display()))
            .usage()?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(json!({
        "type": "document",
        "sha256": hex::encode(hasher.finalize()),
        "name": file_name(path),
        "media_type": media_type(ext),
    }))
}

/// The media type of a file by its extension; `application/octet-stream` when unknown.
fn media_type(ext: &str) -> &'static str {
    match ext {
        "pdf" => "application/pdf",
        "txt" | "text" => "text/plain",
        "md" => "text/markdown",
        "html" | "htm" => "text/html",
        "csv" => "text/csv",
        "json" => "application/json",
        "xml" => "application/xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "eml" => "message/rfc822",
        "zip" => "application/zip",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_become_the_right_kind_of_item() {
        let dir = tempfile::tempdir().expect("tmp");
        let key = ed25519_dalek::SigningKey::from_bytes(&[1; 32]);
        let env = Envelope::sign("order", json!({"a": 1}), &key).expect("sign");
        let env_path = dir.path().join("order.json");
        std::fs::write(&env_path, serde_json::to_vec(&env).expect("json")).expect("write");
        let v = items(&env_path).expect("item").remove(0);
        assert_eq!(v["type"], "envelope");
        assert_eq!(v["envelope"], serde_json::to_value(&env).expect("env"));

        let tsr = dir.path().join("doc.tsr");
        std::fs::write(&tsr, [0x30, 0x00]).expect("write");
        assert_eq!(
            items(&tsr).expect("item"),
            [json!({"type": "rfc3161_token", "token": "MAA="})]
        );

        let doc = dir.path().join("Invoice.PDF");
        std::fs::write(&doc, b"invoice").expect("write");
        assert_eq!(
            items(&doc).expect("item"),
            [
                json!({"type": "document", "name": "Invoice.PDF", "media_type": "application/pdf",
                   "sha256": hex::encode(Sha256::digest(b"invoice"))})
            ]
        );
        // JSON that is not an envelope is a document.
        let other = dir.path().join("notes.json");
        std::fs::write(&other, b"{\"a\": 1}").expect("write");
        assert_eq!(items(&other).expect("items").len(), 1);
        assert_eq!(items(&other).expect("items")[0]["type"], "document");
        assert!(items(&dir.path().join("missing")).is_err());
    }

    /// A notary's answer holding an envelope goes in as that envelope (s11 M3: before, the
    /// answer as a document by digest); one whose `token` is an RFC 3161 token (base64, not an
    /// envelope) stays a document.
    #[test]
    fn an_answer_goes_in_as_the_envelopes_it_holds() {
        let dir = tempfile::tempdir().expect("tmp");
        let key = ed25519_dalek::SigningKey::from_bytes(&[1; 32]);
        let g = Envelope::sign("guarantee", json!({"a": 1}), &key).expect("sign");
        let path = dir.path().join("g.json");
        let answer = json!({"decision": "granted", "guarantee": g});
        std::fs::write(&path, serde_json::to_vec(&answer).expect("json")).expect("write");
        assert_eq!(
            items(&path).expect("items"),
            [json!({"type": "envelope", "envelope": g})]
        );
        let t = dir.path().join("t.json");
        std::fs::write(&t, br#"{"token": "MAA=", "status": "granted"}"#).expect("write");
        let got = items(&t).expect("items");
        assert_eq!(got.len(), 1);
        assert_eq!(got[0]["type"], "document");
    }
}
