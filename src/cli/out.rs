//! What the CLI prints: one place that makes text from others safe for a terminal.
//!
//! Names, subjects, reasons and answers come from parties, certificates and the server; a
//! control, invisible or bidi formatting character in them must not reach the reader's terminal
//! as itself (`model::text`). Human-readable output escapes them visibly (`\u{202e}`); JSON
//! output writes them as JSON `\u` escapes, which leaves the JSON value unchanged.

use anyhow::anyhow;

use super::Failure;
use crate::model::text::{escape_json_hazards, sanitize, sanitize_text};

/// Whether this process has printed anything on stdout ([`print_line`]): a failing `--json`
/// command that has already said why in its own JSON (a verify's report) gets no second object.
static PRINTED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Prints one line on stdout (the `outln!` macro). When the reader has gone (a closed pipe),
/// the command ends here, exit 0: what it did is done, and nobody reads the rest.
pub fn print_line(args: std::fmt::Arguments) {
    use std::io::Write;
    PRINTED.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut out = std::io::stdout().lock();
    if let Err(e) = writeln!(out, "{args}").and_then(|()| out.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
    }
}

/// With `--json`, a failure as JSON on stdout, `{"error": {"code", "message", "exit"}}` (the
/// shape of the HTTP API's errors, plus the exit status), unless the command has printed its
/// own answer already. `code` is the notary's when it refused (`ruling_changed`,
/// `unknown_complaint`), else null (a local check or an unreadable file). The human line still
/// goes to stderr.
pub fn print_failure_json(failure: &Failure) {
    if PRINTED.load(std::sync::atomic::Ordering::Relaxed) {
        return;
    }
    let (Failure::Refused(e) | Failure::Usage(e)) = failure;
    let code = e.chain().find_map(|c| {
        if let Some(r) = c.downcast_ref::<super::admin_client::Refusal>() {
            return Some(r.code);
        }
        c.downcast_ref::<super::client::ServerAnswer>()
            .and_then(|a| a.code)
    });
    let body = serde_json::json!({"error": {
        "code": code,
        "message": super::chain_text(e),
        "exit": failure.code(),
    }});
    print_json_text(&body.to_string());
}

/// Prints `value` as pretty JSON on stdout (hazardous characters as `\u` escapes).
pub fn print_json(value: &impl serde::Serialize) -> Result<(), Failure> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| Failure::Refused(anyhow!("cannot print the reply: {e}")))?;
    print_json_text(&text);
    Ok(())
}

/// Prints JSON text (an answer, a log entry) on stdout with hazardous characters as `\u`
/// escapes: the same JSON value, but nothing that can restyle or reorder the terminal.
pub fn print_json_text(text: &str) {
    outln!("{}", escape_json_hazards(text));
}

/// Prints rows under a header, columns padded to their widest cell (the last one is not).
/// Cells are sanitised.
pub fn print_table(header: &[&str], rows: &[Vec<String>]) {
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().map(|c| sanitize(c)).collect())
        .collect();
    let rows = &rows;
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let last = cells.len().saturating_sub(1);
        let text: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(i, c)| {
                if i == last {
                    c.to_string()
                } else {
                    format!("{c:<w$}", w = widths[i])
                }
            })
            .collect();
        outln!("{}", text.join("  ").trim_end());
    };
    line(header.to_vec());
    for row in rows {
        line(row.iter().map(String::as_str).collect());
    }
}

/// Prints `label value` pairs with the labels aligned; values are sanitised.
///
/// A value's line breaks and tabs are shown as such (a statement is written in lines, s14 F7),
/// its later lines indented under the first, so that no line of a value can pass for a label.
pub fn print_fields(fields: &[(&str, String)]) {
    let w = fields.iter().map(|(l, _)| l.len()).max().unwrap_or(0);
    for (label, value) in fields {
        let mut lines = value.split('\n');
        let first = lines.next().unwrap_or_default();
        outln!("{label:<w$}  {}", sanitize_text(first));
        for line in lines {
            outln!("{:w$}  {}", "", sanitize_text(line));
        }
    }
}

/// Writes `bytes` to `out`; without `force` only as a new file (one made meanwhile, after the
/// caller's own check, is kept: exit 2). With `force`, a symbolic link at `out` is replaced, not
/// written through: a link planted in a shared directory made `--force` overwrite whatever file
/// it named (s11 L6); one planted after that is refused (`O_NOFOLLOW`).
pub fn write_file(out: &std::path::Path, bytes: &[u8], force: bool) -> Result<(), Failure> {
    use anyhow::Context;
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    if force
        && out
            .symlink_metadata()
            .is_ok_and(|m| m.file_type().is_symlink())
    {
        std::fs::remove_file(out)
            .with_context(|| format!("replacing the link {}", out.display()))
            .map_err(Failure::Usage)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options
        .write(true)
        .custom_flags(nix::fcntl::OFlag::O_NOFOLLOW.bits());
    match force {
        true => options.create(true).truncate(true),
        false => options.create_new(true),
    };
    options
        .open(out)
        .and_then(|mut f| f.write_all(bytes))
        .with_context(|| format!("writing {}", out.display()))
        .map_err(Failure::Usage)
}
