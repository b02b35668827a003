//! The C2SP tlog-proof text form (c2sp.org/tlog-proof@v1): the header line, an optional `extra`
//! line (base64 opaque data: here the log entry's bytes, so the leaf hash can be recomputed),
//! `index N`, the inclusion proof one base64 hash a line, an empty line, and the checkpoint
//! verbatim.

use base64::Engine;

use crate::log::Hash;

/// The first line of every proof.
pub const TLOG_PROOF_HEADER: &str = "c2sp.org/tlog-proof@v1";

/// Most hashes an inclusion proof may hold (a tree of 2^64 leaves needs 64).
const PROOF_HASHES_MAX: usize = 64;

/// A parsed tlog-proof.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlogProof {
    /// The opaque extra data, if any.
    pub extra: Option<Vec<u8>>,
    /// Zero-based index of the entry.
    pub index: u64,
    /// The inclusion proof, leaf's sibling first.
    pub hashes: Vec<Hash>,
    /// The checkpoint, verbatim (ends with its signature lines and a newline).
    pub checkpoint: String,
}

/// Why a proof text is not a tlog-proof.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("malformed tlog-proof: {0}")]
pub struct TlogProofError(pub &'static str);

impl TlogProof {
    /// The text form.
    pub fn to_text(&self) -> String {
        let b64 = &base64::engine::general_purpose::STANDARD;
        let mut out = format!("{TLOG_PROOF_HEADER}\n");
        if let Some(extra) = &self.extra {
            out.push_str(&format!("extra {}\n", b64.encode(extra)));
        }
        out.push_str(&format!("index {}\n", self.index));
        for h in &self.hashes {
            out.push_str(&b64.encode(h));
            out.push('\n');
        }
        out.push('\n');
        out.push_str(&self.checkpoint);
        out
    }

    /// Parses the text form, strictly (no leading zeroes, standard padded base64, 32-byte
    /// hashes, a non-empty checkpoint).
    pub fn parse(text: &str) -> Result<TlogProof, TlogProofError> {
        let b64 = &base64::engine::general_purpose::STANDARD;
        let (head, checkpoint) = split_at_empty_line(text)
            .ok_or(TlogProofError("no empty line before the checkpoint"))?;
        let mut lines = head.split('\n');
        if lines.next() != Some(TLOG_PROOF_HEADER) {
            return Err(TlogProofError("first line is not c2sp.org/tlog-proof@v1"));
        }
        let mut line = lines.next().ok_or(TlogProofError("no index line"))?;
        let mut extra = None;
        if let Some(data) = line.strip_prefix("extra ") {
            extra = Some(
                b64.decode(data)
                    .map_err(|_| TlogProofError("extra is not base64"))?,
            );
            line = lines.next().ok_or(TlogProofError("no index line"))?;
        }
        let digits = line
            .strip_prefix("index ")
            .ok_or(TlogProofError("no index line"))?;
        let canonical = !digits.is_empty()
            && digits.bytes().all(|b| b.is_ascii_digit())
            && (digits == "0" || !digits.starts_with('0'));
        let index = digits
            .parse::<u64>()
            .ok()
            .filter(|_| canonical)
            .ok_or(TlogProofError(
                "index is not a decimal without leading zeroes",
            ))?;
        let mut hashes = Vec::new();
        for l in lines {
            if hashes.len() == PROOF_HASHES_MAX {
                return Err(TlogProofError("too many proof hashes"));
            }
            let raw = b64
                .decode(l)
                .map_err(|_| TlogProofError("a proof line is not base64"))?;
            hashes.push(
                Hash::try_from(raw.as_slice())
                    .map_err(|_| TlogProofError("a proof hash is not 32 bytes"))?,
            );
        }
        if checkpoint.is_empty() {
            return Err(TlogProofError("no checkpoint"));
        }
        Ok(TlogProof {
            extra,
            index,
            hashes,
            checkpoint: checkpoint.to_string(),
        })
    }
}

/// `text` before and after its first empty line (`"\n\n"`). A proof's `extra` line is long
/// (the whole log entry, in base64): `memmem` searches it with SIMD.
fn split_at_empty_line(text: &str) -> Option<(&str, &str)> {
    let at = memchr::memmem::find(text.as_bytes(), b"\n\n")?;
    // At an ASCII byte: both halves are on character boundaries.
    Some((text.get(..at)?, text.get(at + 2..)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> TlogProof {
        TlogProof {
            extra: Some(b"{\"a\":1}".to_vec()),
            index: 73894,
            hashes: vec![[1; 32], [2; 32]],
            checkpoint: "example.com/log\n3\nAAAA\n\n\u{2014} example.com/log abc=\n".into(),
        }
    }

    #[test]
    fn round_trips_in_the_spec_layout() {
        let p = sample();
        let text = p.to_text();
        assert!(text.starts_with("c2sp.org/tlog-proof@v1\nextra eyJhIjoxfQ==\nindex 73894\n"));
        assert!(text.contains("AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=\n"));
        assert_eq!(TlogProof::parse(&text), Ok(p.clone()));
        let bare = TlogProof {
            extra: None,
            hashes: vec![],
            ..p
        };
        assert_eq!(TlogProof::parse(&bare.to_text()), Ok(bare));
    }

    #[test]
    fn refuses_what_the_spec_does_not_allow() {
        let text = sample().to_text();
        for bad in [
            text.replace("index 73894", "index 073894"),
            text.replace("index 73894", "index -1"),
            text.replace("c2sp.org/tlog-proof@v1", "c2sp.org/tlog-proof@v2"),
            text.replace("AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=", "AQE="),
            text.replace("\n\n", "\n"),
            text.split("\n\n").next().unwrap_or("").to_string() + "\n\n",
        ] {
            assert!(TlogProof::parse(&bad).is_err(), "{bad}");
        }
    }
}
