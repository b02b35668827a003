//! Reading a bundle file ([`parse`]): the outer object first, each item kept as its raw JSON
//! text, then the items on every core ([`par_chunks`]). A bundle is mostly its items, so this
//! halves the time to read a large one on two cores; what is accepted or refused is what reading
//! it whole accepts or refuses, and the first bad item in file order is the one named.

use serde::Deserialize;
use serde_json::value::RawValue;

use super::format::{Bundle, Claim, Item, NotaryKeys, BUNDLE_LEN_MAX, FORMAT};
use super::par::par_chunks;
use super::verify::Unreadable;

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
        items: items(&outer.items, "items")?,
        registry: items(&outer.registry, "registry")?,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<Vec<Item>, Unreadable> {
        let raw: &RawValue = serde_json::from_str(text).expect("JSON");
        items(&[raw], "items")
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
