//! The console's files import each other without a circle: screens depend on the core and on
//! components, never the other way but through the registry in `app.rs` and the router in
//! `screens/mod.rs`. This test reads the sources (production code: test modules and
//! `#[cfg(test)]` blocks left out), resolves every `use` and every path in the code that names
//! a console module to that module's file, and looks for a cycle in that graph.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A module of the console: its path below `console` and its file.
struct Module {
    segments: Vec<String>,
    file: PathBuf,
}

fn console_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src/console")
}

/// The file of module `segments` (below `console`), if it exists.
fn module_file(segments: &[String]) -> Option<PathBuf> {
    let mut base = console_dir();
    for s in segments {
        base.push(s);
    }
    let flat = base.with_extension("rs");
    let nested = base.join("mod.rs");
    [flat, nested].into_iter().find(|p| p.is_file())
}

/// Source text up to an inline `#[cfg(test)] mod … {` block, which comes last by convention.
fn production_source(file: &Path) -> String {
    let text = std::fs::read_to_string(file).expect("console sources are readable");
    let lines: Vec<&str> = text.lines().collect();
    let cut = lines.windows(2).position(|w| {
        w[0].trim() == "#[cfg(test)]"
            && w[1].trim_start().starts_with("mod ")
            && w[1].ends_with('{')
    });
    lines[..cut.unwrap_or(lines.len())].join("\n")
}

/// Every production module, found by following `mod` declarations from `console/mod.rs`.
fn modules() -> Vec<Module> {
    let mut out = Vec::new();
    let mut todo = vec![Vec::<String>::new()];
    while let Some(segments) = todo.pop() {
        let file = module_file(&segments).expect("a declared module has a file");
        let source = std::fs::read_to_string(&file).expect("readable");
        let lines: Vec<&str> = source.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let decl = line
                .trim_start()
                .trim_start_matches("pub ")
                .trim_start_matches("pub(crate) ");
            let Some(name) = decl.strip_prefix("mod ").and_then(|r| r.strip_suffix(';')) else {
                continue;
            };
            let test_only = i > 0 && lines[i - 1].contains("#[cfg(test)]");
            if !test_only {
                let mut child = segments.clone();
                child.push(name.trim().to_string());
                todo.push(child);
            }
        }
        out.push(Module { segments, file });
    }
    out
}

/// `a::{b, c::{d, e}}` as `a::b`, `a::c::d`, `a::c::e`.
fn expand(tree: &str) -> Vec<String> {
    let tree = tree.trim();
    let Some(open) = tree.find('{') else {
        return vec![tree.split(" as ").next().unwrap_or(tree).trim().to_string()];
    };
    let head = &tree[..open];
    let body = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
    let (mut parts, mut depth, mut start) = (Vec::new(), 0, 0);
    for (i, c) in body.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&body[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&body[start..]);
    parts
        .into_iter()
        .filter(|p| !p.trim().is_empty())
        .flat_map(|p| expand(p).into_iter().map(move |e| format!("{head}{e}")))
        .collect()
}

/// The paths a source names: its `use` trees, and every other `a::b` path in its code.
fn named_paths(source: &str) -> Vec<String> {
    let code: String = source
        .lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n");
    let mut paths = Vec::new();
    let mut rest = code.as_str();
    while let Some(at) = rest.find("use ") {
        let starts_word =
            at == 0 || !rest[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_');
        let after = &rest[at + 4..];
        let end = after.find(';').unwrap_or(after.len());
        if starts_word {
            paths.extend(expand(&after[..end].replace(char::is_whitespace, "")));
        }
        rest = &after[end.min(after.len())..];
    }
    for word in code.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':')) {
        // A path cut at a `{` is a `use` group's head, already expanded above.
        if word.contains("::") && !word.starts_with("::") && !word.ends_with("::") {
            paths.push(word.to_string());
        }
    }
    paths
}

/// The file of the deepest console module `path` names, seen from module `from`: a path from
/// `crate::console`, from `super` or `self`, or from a child module of `from`. Other paths
/// (other crates, other layers, types) name no console file.
fn resolve(from: &[String], path: &str) -> Option<PathBuf> {
    let parts: Vec<&str> = path.split("::").filter(|p| !p.is_empty()).collect();
    let first = *parts.first()?;
    let child = |name: &str| module_file(&[from, &[name.to_string()]].concat()).is_some();
    let mut segments: Vec<String> = match first {
        "crate" if parts.get(1) == Some(&"console") => Vec::new(),
        "super" | "self" => from.to_vec(),
        name if child(name) => from.to_vec(),
        _ => return None,
    };
    let mut names = parts.iter().skip(if first == "crate" { 2 } else { 0 });
    for name in names.by_ref() {
        match *name {
            "super" => {
                segments.pop();
            }
            "self" => {}
            other => {
                segments.push(other.to_string());
                break;
            }
        }
    }
    segments.extend(names.map(|n| n.to_string()));
    (1..=segments.len())
        .rev()
        .find_map(|k| module_file(&segments[..k]))
        .or_else(|| module_file(&[]))
}

#[test]
fn the_console_files_import_each_other_without_a_cycle() {
    let modules = modules();
    let known: BTreeSet<&PathBuf> = modules.iter().map(|m| &m.file).collect();
    assert!(known.len() > 20, "the walk found the console's modules");
    let mut edges: BTreeMap<&PathBuf, BTreeSet<PathBuf>> = BTreeMap::new();
    for m in &modules {
        let targets = named_paths(&production_source(&m.file))
            .iter()
            .filter_map(|p| resolve(&m.segments, p))
            .filter(|t| *t != m.file && known.contains(t))
            .collect();
        edges.insert(&m.file, targets);
    }
    // Depth-first search; a file met again while still on the path closes a cycle.
    let mut done: BTreeSet<PathBuf> = BTreeSet::new();
    for start in edges.keys() {
        let mut path: Vec<PathBuf> = Vec::new();
        let mut stack: Vec<(PathBuf, bool)> = vec![((*start).clone(), false)];
        while let Some((file, leaving)) = stack.pop() {
            if leaving {
                path.pop();
                done.insert(file);
                continue;
            }
            if done.contains(&file) {
                continue;
            }
            if let Some(i) = path.iter().position(|p| *p == file) {
                let shown = |p: &PathBuf| {
                    let relative = p.strip_prefix(console_dir()).unwrap_or(p);
                    relative.display().to_string()
                };
                let cycle: Vec<_> = path[i..].iter().map(shown).collect();
                panic!("import cycle: {}", cycle.join(" -> "));
            }
            path.push(file.clone());
            stack.push((file.clone(), true));
            for next in edges.get(&file).into_iter().flatten() {
                stack.push((next.clone(), false));
            }
        }
    }
}
