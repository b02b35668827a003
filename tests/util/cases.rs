//! Cases for tests: `notar case export` of a complaint, and bundle files read and rewritten.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::{json, notar, p, text, DataDir};

/// `notar case export COMPLAINT_ID --out WORK/name`, which must succeed; the file.
pub fn export(data: &DataDir, complaint_id: &str, name: &str) -> PathBuf {
    let out = data.work().join(name);
    let o = notar(&[
        "--data",
        data.arg(),
        "case",
        "export",
        complaint_id,
        "--out",
        p(&out),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    out
}

/// A bundle file as JSON.
pub fn read(file: &Path) -> Value {
    json(&std::fs::read(file).expect("read"))
}

/// Writes `v` as a bundle file.
pub fn write(file: &Path, v: &Value) {
    std::fs::write(file, serde_json::to_vec_pretty(v).expect("json")).expect("write");
}
