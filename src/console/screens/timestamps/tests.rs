//! The timestamps list's selection rules and the stamp dialog's fields.

use crate::api::admin::proto::TimestampItem;
use crate::console::app::SignPlan;
use crate::console::components::confirm::{ConfirmDialog, Focus};
use crate::console::components::list::Move;
use crate::console::tests::fixtures::hello;

use super::*;

fn ts(serial: u64) -> TimestampItem {
    TimestampItem {
        serial,
        gen_time: "2025-01-01T00:00:00.000Z".into(),
        hash_alg: HashAlg::Sha256,
        imprint: format!("{serial:064x}"),
        operator: None,
    }
}

#[test]
fn refresh_keeps_the_selected_serial() {
    let mut l = TimestampList::default();
    l.replace((0..30).rev().map(ts).collect(), 10);
    l.move_selection(Move::Down, 10);
    l.move_selection(Move::Down, 10);
    assert_eq!(l.selected_item().map(|i| i.serial), Some(27));
    // Three newer stamps arrive on top.
    l.replace((0..33).rev().map(ts).collect(), 10);
    assert_eq!(l.selected_item().map(|i| i.serial), Some(27));
    assert_eq!(l.selected, 5);
    assert_eq!(l.offset, 0, "the window stays, the new stamps show on top");
}

#[test]
fn refresh_without_the_selected_serial_clamps() {
    let mut l = TimestampList::default();
    l.replace((0..30).rev().map(ts).collect(), 10);
    l.move_selection(Move::Bottom, 10);
    l.replace((100..105).rev().map(ts).collect(), 10);
    assert_eq!(l.selected, 4);
    l.replace(Vec::new(), 10);
    assert_eq!(l.selected, 0);
    assert!(l.selected_item().is_none());
}

fn plan(file: &str) -> ConfirmDialog<SignPlan> {
    ConfirmDialog::new(SignPlan::Stamp(StampPlan {
        file: file.into(),
        size_bytes: 1_234_567,
        hash_alg: HashAlg::Sha256,
        imprint_hex: "ab".repeat(32),
    }))
}

#[test]
fn fields_list_everything_that_is_signed() {
    let d = plan("contract.pdf");
    let fields = d.fields(&hello());
    let labels: Vec<_> = fields.iter().map(|f| f.label).collect();
    assert_eq!(
        labels,
        [
            "File",
            "Size",
            "Algorithm",
            "Imprint",
            "Policy OID",
            "Accuracy",
            "TSA subject",
            "Operator"
        ]
    );
    assert_eq!(fields[1].value, "1,234,567 bytes");
    assert_eq!(fields[3].value, "ab".repeat(32));
    assert_eq!(d.focus, Focus::Cancel);
}

#[test]
fn hostile_file_names_are_inert() {
    let d = plan("a\x1b[31mred\r\u{202e}fdp.exe");
    let file = &d.fields(&hello())[0].value;
    assert_eq!(file, "a\\x1b[31mred\\x0d\\u{202e}fdp.exe");
    assert!(!file.chars().any(crate::console::sanitize::is_hazardous));
}
