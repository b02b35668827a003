//! Reading and hashing a local file for a search or a stamp. Blocking: the event loop runs it
//! on tokio's blocking pool, never on the UI thread.

use std::io::Read;
use std::path::Path;

use sha2::{Digest, Sha256};

const CHUNK_BYTES: usize = 64 * 1024;

/// Why a file is being hashed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FilePurpose {
    /// Look up timestamps over it.
    Search,
    /// Ask the notary to timestamp it (after confirmation).
    Stamp,
}

/// A local file's SHA-256, computed by the console, not the server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HashedFile {
    /// The path as the arbitrator typed it.
    pub path: String,
    /// Length in bytes.
    pub size_bytes: u64,
    /// SHA-256 of the content.
    pub sha256: [u8; 32],
}

/// SHA-256 and size of the regular file at `path`; the error is a sentence for the status line.
pub fn hash_file(path: &Path) -> Result<HashedFile, String> {
    let shown = path.display().to_string();
    let mut file = std::fs::File::open(path).map_err(|e| format!("Cannot open {shown}: {e}"))?;
    let meta = file
        .metadata()
        .map_err(|e| format!("Cannot read {shown}: {e}"))?;
    if !meta.is_file() {
        return Err(format!("{shown} is not a regular file"));
    }
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; CHUNK_BYTES];
    let mut size_bytes = 0u64;
    loop {
        let n = match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(format!("Cannot read {shown}: {e}")),
        };
        hasher.update(&buf[..n]);
        size_bytes += n as u64;
    }
    Ok(HashedFile {
        path: shown,
        size_bytes,
        sha256: hasher.finalize().into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_a_file_and_refuses_a_directory() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("abc.txt");
        std::fs::write(&p, b"abc").expect("write");
        let h = hash_file(&p).expect("hash");
        assert_eq!(h.size_bytes, 3);
        assert_eq!(
            hex::encode(h.sha256),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(hash_file(dir.path()).is_err());
        assert!(hash_file(&dir.path().join("missing")).is_err());
    }
}
