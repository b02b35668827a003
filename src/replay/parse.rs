//! Reading a bundle file ([`parse`]): the outer object, each item kept as its raw JSON text and
//! handed to a second thread that reads the items meanwhile (`feed.rs`); what is left of them
//! once the outer object is read is read on both. A bundle is mostly its items, so this about
//! halves the time to read a large one on two cores; what is accepted or refused is what reading
//! it whole accepts or refuses, and the first bad item in file order is the one named.

use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use std::collections::HashSet;

use super::feed::{read_while, Read, Sink};
use super::format::{hex_sha256, Bundle, Claim, Item, NotaryKeys, BUNDLE_LEN_MAX, FORMAT};
use super::par::par_chunks;
use super::verify::Unreadable;
use crate::model::canonical::to_canonical_json;

/// [`Bundle`] with its registry entries not yet read, and its items handed to the [`Sink`].
struct Outer<'a> {
    format: String,
    claim: Claim,
    registry: Vec<&'a RawValue>,
    notary: NotaryKeys,
    checkpoint: String,
}

/// The bundle in `bytes`, or why it is not one (too large, not of the bundle's shape, another
/// format), and `head` of its notary keys, checkpoint and registry entries: `head` runs as soon
/// as the outer object is read, while the items are still being read on another thread.
pub(super) fn parse<H: Send>(
    bytes: &[u8],
    head: impl FnOnce(&NotaryKeys, &str, &[Item]) -> H + Send,
) -> Result<(Bundle, H), Unreadable> {
    if bytes.len() > BUNDLE_LEN_MAX {
        return Err(Unreadable::TooLarge(bytes.len()));
    }
    let (early, items) = read_while(
        |sink| read_outer(bytes, sink),
        |outer| {
            let outer = outer.map_err(|e| Unreadable::Shape(e.to_string()))?;
            if outer.format != FORMAT {
                return Err(Unreadable::Format(outer.format.chars().take(64).collect()));
            }
            let registry = self::items(&outer.registry, "registry")
                .map(without_copies)
                .map(|r| {
                    let h = head(&outer.notary, &outer.checkpoint, &r);
                    (r, h)
                });
            Ok((outer, registry))
        },
    );
    let (outer, registry) = early?;
    // A bad item is named before a bad registry entry, in the order of the bundle's fields.
    let items = without_copies(in_order(items, "items")?);
    let (registry, head) = registry?;
    let bundle = Bundle {
        format: outer.format,
        claim: outer.claim,
        items,
        registry,
        notary: outer.notary,
        checkpoint: outer.checkpoint,
    };
    Ok((bundle, head))
}

/// The outer object of `bytes`, as `serde_json::from_slice` of a struct with these fields that
/// denies unknown ones would read it (the same errors, a test holds them), each item handed to
/// `sink` as it is passed.
fn read_outer<'a>(bytes: &'a [u8], sink: &Sink<'_, '_, 'a>) -> serde_json::Result<Outer<'a>> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let outer = de::Deserializer::deserialize_struct(&mut de, "Outer", FIELDS, OuterVisitor(sink))?;
    de.end()?;
    Ok(outer)
}

const FIELDS: &[&str] = &[
    "format",
    "claim",
    "items",
    "registry",
    "notary",
    "checkpoint",
];

struct OuterVisitor<'k, 's, 'e, 'a>(&'k Sink<'s, 'e, 'a>);

impl<'de: 'a, 'a> Visitor<'de> for OuterVisitor<'_, '_, '_, 'a> {
    type Value = Outer<'a>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("struct Outer")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Outer<'a>, A::Error> {
        let missing = |i| de::Error::invalid_length(i, &"struct Outer with 6 elements");
        let format = seq.next_element()?.ok_or_else(|| missing(0))?;
        let claim = seq.next_element()?.ok_or_else(|| missing(1))?;
        seq.next_element_seed(ItemsSeed(self.0))?
            .ok_or_else(|| missing(2))?;
        let registry = seq.next_element()?.ok_or_else(|| missing(3))?;
        let notary = seq.next_element()?.ok_or_else(|| missing(4))?;
        let checkpoint = seq.next_element()?.ok_or_else(|| missing(5))?;
        Ok(Outer {
            format,
            claim,
            registry,
            notary,
            checkpoint,
        })
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Outer<'a>, A::Error> {
        let (mut format, mut claim, mut items, mut registry, mut notary, mut checkpoint) =
            (None, None, None, None, None, None);
        fn once<T, E: de::Error>(slot: &Option<T>, name: &'static str) -> Result<(), E> {
            match slot {
                Some(_) => Err(E::duplicate_field(name)),
                None => Ok(()),
            }
        }
        while let Some(key) = map.next_key::<Field>()? {
            match key {
                Field::Format => {
                    once(&format, "format")?;
                    format = Some(map.next_value()?);
                }
                Field::Claim => {
                    once(&claim, "claim")?;
                    claim = Some(map.next_value()?);
                }
                Field::Items => {
                    once(&items, "items")?;
                    items = Some(map.next_value_seed(ItemsSeed(self.0))?);
                }
                Field::Registry => {
                    once(&registry, "registry")?;
                    registry = Some(map.next_value()?);
                }
                Field::Notary => {
                    once(&notary, "notary")?;
                    notary = Some(map.next_value()?);
                }
                Field::Checkpoint => {
                    once(&checkpoint, "checkpoint")?;
                    checkpoint = Some(map.next_value()?);
                }
            }
        }
        let format = format.ok_or_else(|| de::Error::missing_field("format"))?;
        let claim = claim.ok_or_else(|| de::Error::missing_field("claim"))?;
        items.ok_or_else(|| de::Error::missing_field("items"))?;
        Ok(Outer {
            format,
            claim,
            registry: registry.ok_or_else(|| de::Error::missing_field("registry"))?,
            notary: notary.ok_or_else(|| de::Error::missing_field("notary"))?,
            checkpoint: checkpoint.ok_or_else(|| de::Error::missing_field("checkpoint"))?,
        })
    }
}

/// A member name of the outer object; any other is refused, naming the ones there are.
#[derive(serde::Deserialize)]
#[serde(field_identifier, rename_all = "snake_case")]
enum Field {
    Format,
    Claim,
    Items,
    Registry,
    Notary,
    Checkpoint,
}

/// The `items` list, each item's raw text handed to the sink.
struct ItemsSeed<'k, 's, 'e, 'a>(&'k Sink<'s, 'e, 'a>);

impl<'de: 'a, 'a> DeserializeSeed<'de> for ItemsSeed<'_, '_, '_, 'a> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de: 'a, 'a> Visitor<'de> for ItemsSeed<'_, '_, '_, 'a> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a sequence")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(raw) = seq.next_element::<&'de RawValue>()? {
            self.0.push(raw);
        }
        Ok(())
    }
}

/// The items as read, in order; the first that is not one is named by its list and position.
fn in_order(read: Read, list: &str) -> Result<Vec<Item>, Unreadable> {
    read.into_iter()
        .enumerate()
        .map(|(at, item)| item.map_err(|e| Unreadable::Shape(format!("{list}[{at}]: {e}"))))
        .collect()
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
    in_order(read, list)
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

    /// The outer object as `serde_json` reads it with a derived struct (named as the one it
    /// stands for, as the errors name it): what [`read_outer`] must accept and refuse alike.
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
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

    /// The item ids (or why an item is not one) and the registry's length, or the error.
    type Seen = Result<(Vec<String>, usize), String>;

    /// What each reading of `text` says: the item texts and registry length, or the error.
    fn both(text: &str) -> (Seen, Seen) {
        let derived = serde_json::from_str::<Outer>(text)
            .map(|d| {
                (
                    d.items
                        .iter()
                        .map(|r| r.get().to_string())
                        .collect::<Vec<String>>(),
                    d.registry.len(),
                )
            })
            .map_err(|e| e.to_string());
        let mut seen = Vec::new();
        let (streamed, read) = read_while(|sink| read_outer(text.as_bytes(), sink), |t| t);
        if streamed.is_ok() {
            for r in read {
                seen.push(r.map(|i| i.id().to_string()).unwrap_or_else(|e| e));
            }
        }
        let streamed = streamed
            .map(|o| (seen, o.registry.len()))
            .map_err(|e| e.to_string());
        let derived = derived.map(|(items, n)| {
            let ids = items
                .iter()
                .map(|t| match serde_json::from_str::<Item>(t) {
                    Ok(i) => i.id().to_string(),
                    Err(e) => e.to_string(),
                })
                .collect();
            (ids, n)
        });
        (derived, streamed)
    }

    /// The streamed reading of the outer object accepts and refuses what the derived struct
    /// does, with the same words and positions: a real bundle, then each way to break its
    /// outer object (a member missing, repeated, unknown, of the wrong type; the array form;
    /// text after it; truncation).
    #[test]
    fn the_outer_object_reads_as_the_derived_struct_would() {
        let bundle = include_str!("../../samples/cases/D7.bundle.json").trim_end();
        let v: serde_json::Value = serde_json::from_str(bundle).expect("sample");
        let o = v.as_object().expect("object");
        let mut cases: Vec<String> = vec![bundle.to_string()];
        for name in FIELDS {
            let mut without = o.clone();
            without.remove(*name);
            cases.push(serde_json::Value::Object(without).to_string());
            let value = o[*name].to_string();
            cases.push(bundle.replacen('{', &format!("{{\"{name}\":{value},"), 1));
            for wrong in ["1", "\"x\"", "null", "{}", "[]", "[1]"] {
                let mut changed = o.clone();
                changed.insert(
                    (*name).to_string(),
                    serde_json::from_str(wrong).expect("json"),
                );
                cases.push(serde_json::Value::Object(changed).to_string());
            }
        }
        cases.push(bundle.replacen('{', "{\"extra\":1,", 1));
        cases.push(format!("{bundle} x"));
        cases.push(format!("{bundle}{{}}"));
        cases.push(bundle[..bundle.len() / 2].to_string());
        cases.push(bundle[..bundle.len() - 1].to_string());
        let array: Vec<serde_json::Value> = FIELDS.iter().map(|f| o[*f].clone()).collect();
        for n in 0..=FIELDS.len() {
            cases.push(serde_json::Value::Array(array[..n].to_vec()).to_string());
        }
        cases.push(serde_json::json!([array, 1]).to_string());
        let mut items = o.clone();
        let many: Vec<serde_json::Value> = (0..100).map(|i| o["items"][i % 3].clone()).collect();
        items.insert("items".into(), serde_json::Value::Array(many));
        cases.push(serde_json::Value::Object(items).to_string());
        for text in ["", "[", "{", "{}", "1", "\"a\"", "[]"] {
            cases.push(text.to_string());
        }
        for text in &cases {
            let (derived, streamed) = both(text);
            assert_eq!(derived, streamed, "{}", &text[..text.len().min(120)]);
        }
    }

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
