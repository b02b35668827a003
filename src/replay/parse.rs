//! Reading a bundle file ([`parse`]): the outer object first, each item kept as its raw JSON
//! text, then the items on every core ([`par_chunks`]). A bundle is mostly its items, so this
//! halves the time to read a large one on two cores; what is accepted or refused is what reading
//! it whole accepts or refuses, and the first bad item in file order is the one named.

use serde::Deserialize;
use serde_json::value::RawValue;

use std::collections::HashSet;

use super::format::{hex_sha256, Bundle, Claim, Item, NotaryKeys, BUNDLE_LEN_MAX, FORMAT};
use super::par::par_chunks;
use super::verify::Unreadable;
use crate::model::canonical::to_canonical_json;

/// [`Bundle`] with its items not yet read.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Outer<'a> {
    format: String,
    claim: Claim,
    #[serde(borrow)]
    items: Vec<&'a RawValue>,
    #[serde(borrow)]
    registry: Vec<&'a RawValue>,
    notary: NotaryKeys,
    checkpoint: String,
}

/// The bundle in `bytes`, or why it is not one (too large, not of the bundle's shape, another
/// format).
pub(super) fn parse(bytes: &[u8]) -> Result<Bundle, Unreadable> {
    if bytes.len() > BUNDLE_LEN_MAX {
        return Err(Unreadable::TooLarge(bytes.len()));
    }
    let outer: Outer =
        serde_json::from_slice(bytes).map_err(|e| Unreadable::Shape(e.to_string()))?;
    if outer.format != FORMAT {
        return Err(Unreadable::Format(outer.format.chars().take(64).collect()));
    }
    Ok(Bundle {
        format: outer.format,
        claim: outer.claim,
        items: without_copies(items(&outer.items, "items")?),
        registry: without_copies(items(&outer.registry, "registry")?),
        notary: outer.notary,
        checkpoint: outer.checkpoint,
    })
}

/// Each raw item read as an [`Item`], in order; the first that is not one is named by its list
/// and position.
fn items(raw: &[&RawValue], list: &str) -> Result<Vec<Item>, Unreadable> {
    // A member name repeated in an object (a payload's `amount` twice, say) is refused: parsers
    // disagree on which copy wins, so a third party's tool could read the item otherwise. Reading
    // refuses it in the one pass: an item's fields and its envelope's are serde structs that deny
    // unknown fields (serde refuses a repeated field), and a payload is read by
    // `model::unique_keys::unique_value`.
    let read = par_chunks(raw, |part| {
        part.iter()
            .map(|r| serde_json::from_str::<Item>(r.get()).map_err(|e| e.to_string()))
            .collect()
    });
    read.into_iter()
        .enumerate()
        .map(|(at, item)| item.map_err(|e| Unreadable::Shape(format!("{list}[{at}]: {e}"))))
        .collect()
}

/// `items` with each exact copy of an earlier item left out (the same id and the same content,
/// whatever the spacing or member order of its text), the rest in order. A copy says nothing
/// more, and the replay's output is the same without it; read as many, a bundle of one item
/// repeated thousands of times took time growing with the square of the copies (s10 S10-2).
/// Items that share an id but differ stay, each checked (an edited copy fails its own checks).
fn without_copies(items: Vec<Item>) -> Vec<Item> {
    // Most bundles repeat no id: then nothing to look at (sorting a large bundle's ids by
    // index took a tenth of a millisecond, on one core).
    let mut ids = HashSet::with_capacity(items.len());
    if items.iter().all(|i| ids.insert(i.id())) {
        return items;
    }
    let mut by_id: Vec<usize> = (0..items.len()).collect();
    by_id.sort_by(|&a, &b| items[a].id().cmp(items[b].id()).then(a.cmp(&b)));
    let mut copy = vec![false; items.len()];
    for group in by_id.chunk_by(|&a, &b| items[a].id() == items[b].id()) {
        if group.len() < 2 {
            continue;
        }
        // The canonical bytes' digest tells equal items apart in one pass over the group,
        // however many different ones share the id.
        let mut seen = HashSet::new();
        for &at in group {
            let form = to_canonical_json(&items[at]).map(|b| hex_sha256(&b));
            copy[at] = form.is_ok_and(|f| !seen.insert(f));
        }
    }
    items
        .into_iter()
        .zip(copy)
        .filter_map(|(item, copy)| (!copy).then_some(item))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<Vec<Item>, Unreadable> {
        let raw: &RawValue = serde_json::from_str(text).expect("JSON");
        items(&[raw], "items")
    }

    /// Exact copies (the same id and content, whatever the spacing or member order) are read
    /// once, the first in place; an item under the same id with other content stays.
    #[test]
    fn exact_copies_are_read_once() {
        let a = r#"{"type":"document","id":"aa","sha256":"aa","name":"a","media_type":"text/plain","content":null}"#;
        let a_spaced = r#"{ "id": "aa", "type": "document", "sha256": "aa", "content": null, "media_type": "text/plain", "name": "a" }"#;
        let a_edited = a.replace(r#""name":"a""#, r#""name":"b""#);
        let b = a.replace("aa", "bb");
        let text = format!("[{a},{b},{a_spaced},{a},{a_edited},{b}]");
        let raw: Vec<&RawValue> = serde_json::from_str(&text).expect("JSON");
        let read = without_copies(items(&raw, "items").expect("items"));
        let names: Vec<(&str, &str)> = read
            .iter()
            .map(|i| match i {
                Item::Document { id, name, .. } => (id.as_str(), name.as_str()),
                _ => panic!("a document"),
            })
            .collect();
        assert_eq!(names, [("aa", "a"), ("bb", "a"), ("aa", "b")]);
    }

    /// A member name repeated anywhere in an item is refused and named, in the one reading pass:
    /// the item's own fields, the envelope's, a signature's and the payload's at any depth.
    #[test]
    fn a_repeated_member_anywhere_in_an_item_is_refused() {
        let ok = r#"{"type":"party_envelope","id":"x","envelope":{"kind":"order","payload":{"a":1,"b":{"c":[{"d":2}]}},"signatures":[{"key_id":"k","alg":"ed25519","sig":"s"}]}}"#;
        assert!(read(ok).is_ok());
        for (from, to, name) in [
            (r#""id":"x","#, r#""id":"x","id":"y","#, "id"),
            (
                r#""kind":"order","#,
                r#""kind":"order","kind":"x","#,
                "kind",
            ),
            (
                r#""alg":"ed25519","#,
                r#""alg":"ed25519","alg":"x","#,
                "alg",
            ),
            (r#""a":1,"#, r#""a":1,"a":2,"#, "a"),
            (r#"{"d":2}"#, r#"{"d":2,"d":2}"#, "d"),
        ] {
            let bad = ok.replace(from, to);
            assert_ne!(bad, ok);
            let e = read(&bad).expect_err(&bad).to_string();
            assert!(e.contains("items[0]") && e.contains(name), "{bad}: {e}");
        }
    }
}
