use super::*;
use proptest::prelude::*;

// golang.org/x/mod/sumdb/note note_test.go (also in signed_note's tests).
const PETER_SKEY: &str =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
const PETER_VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const ENOCH_VKEY: &str = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
const TEXT: &str = "If you think cryptography is the answer to your problem,\n\
                    then you don't know what your problem is.\n";
const PETER_SIG: &str = "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
const ENOCH_SIG: &str = "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

// The Go checksum database's key (cmd/go knownGOSUMDB) and real signed tree heads of it.
const SUMDB_VKEY: &str = "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8";
const SUMDB_NOTES: [(&str, u64, &str); 2] = [
    (
        "go.sum database tree\n6476701\nmb8QLQIs0Z0yP5Cstq6guj87oXWeC9gEM8oVikmm9Wk=\n\n\
         — sum.golang.org Az3grsLX85Gz+s1SiTbgkuqxgItqFq7gsMUEyVnrsa9LM7Us9S+1xbFIGu95949rj4nPRYfvimWEPWL+o3GeoWwOoAw=\n",
        6476701,
        "mb8QLQIs0Z0yP5Cstq6guj87oXWeC9gEM8oVikmm9Wk=",
    ),
    (
        "go.sum database tree\n65209736\n5+uGFjx6xBZG8ip1+wi77v+grwbhhukIrxEUS8PXvRo=\n\n\
         — sum.golang.org Az3grnbssgK7ubgFX36gVETtNv0U23qxyAhAMai2QUfeGa3nB/akvkMdlUErfcZz7l/R3cVtYspg3dxXABkGZZKdsQ8=\n",
        65209736,
        "5+uGFjx6xBZG8ip1+wi77v+grwbhhukIrxEUS8PXvRo=",
    ),
];

fn peter() -> SigningKey {
    // PRIVATE+KEY+name+id+base64; the base64 itself may hold '+'.
    let b64 = PETER_SKEY.splitn(5, '+').nth(4).unwrap();
    let raw = BASE64.decode(b64).unwrap();
    assert_eq!(raw[0], ALG_ED25519);
    SigningKey::from_bytes(raw[1..].try_into().unwrap())
}

fn test_key() -> SigningKey {
    SigningKey::from_bytes(&[7u8; 32])
}

fn test_cp() -> Checkpoint {
    Checkpoint {
        origin: "notary.example/log".into(),
        size: 42,
        root: crate::log::merkle::leaf_hash(b"root"),
    }
}

#[test]
fn kat_go_note_key_id_vkey_and_signature() {
    let key = peter();
    let vk = key.verifying_key();
    assert_eq!(key_id("PeterNeumann", &vk), 0xc74f_20a3);
    assert_eq!(vkey("PeterNeumann", &vk), PETER_VKEY);
    let (name, parsed) = parse_vkey(PETER_VKEY).unwrap();
    assert_eq!((name.as_str(), parsed), ("PeterNeumann", vk));
    let signed = sign_note(TEXT, "PeterNeumann", &key).unwrap();
    assert_eq!(signed, format!("{TEXT}\n{PETER_SIG}"));
    assert_eq!(
        open_note(signed.as_bytes(), "PeterNeumann", &vk).unwrap(),
        TEXT
    );
}

#[test]
fn kat_go_note_open_rules() {
    let (_, peter) = parse_vkey(PETER_VKEY).unwrap();
    let (_, enoch) = parse_vkey(ENOCH_VKEY).unwrap();
    let both = format!("{TEXT}\n{PETER_SIG}{ENOCH_SIG}");
    // Each key verifies its own line and ignores the other's.
    assert_eq!(
        open_note(both.as_bytes(), "PeterNeumann", &peter).unwrap(),
        TEXT
    );
    assert_eq!(
        open_note(both.as_bytes(), "EnochRoot", &enoch).unwrap(),
        TEXT
    );
    // Only the other key's signature: none from ours.
    let enoch_only = format!("{TEXT}\n{ENOCH_SIG}");
    assert!(matches!(
        open_note(enoch_only.as_bytes(), "PeterNeumann", &peter),
        Err(LogError::NoSignature { .. })
    ));
    // Right name, other key: its id differs, so the line is unknown and ignored.
    assert!(matches!(
        open_note(both.as_bytes(), "PeterNeumann", &enoch),
        Err(LogError::NoSignature { .. })
    ));
    // 101 signatures.
    let many = format!("{TEXT}\n{}", PETER_SIG.repeat(101));
    assert!(matches!(
        open_note(many.as_bytes(), "PeterNeumann", &peter),
        Err(LogError::TooManySignatures { .. })
    ));
    assert!(open_note(
        format!("{TEXT}\n{}", PETER_SIG.repeat(100)).as_bytes(),
        "PeterNeumann",
        &peter
    )
    .is_ok());
    // Invalid signature from our key (Go: insert "ABCD" at byte 60).
    let (a, b) = PETER_SIG.split_at(60);
    let bad = format!("{TEXT}\n{a}ABCD{b}");
    assert!(matches!(
        open_note(bad.as_bytes(), "PeterNeumann", &peter),
        Err(LogError::InvalidSignature { .. })
    ));
    // Go's badMsgs.
    let bad_msgs = [
        TEXT.to_string(),
        format!("{TEXT}\n"),
        format!("{TEXT}\n{}", &PETER_SIG[..PETER_SIG.len() - 1]),
        format!("\x01{TEXT}\n{PETER_SIG}"),
        format!("{TEXT}\n— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM="),
        format!("{TEXT}\n{PETER_SIG}Unexpected line.\n"),
    ];
    for msg in bad_msgs {
        assert!(
            open_note(msg.as_bytes(), "PeterNeumann", &peter).is_err(),
            "{msg:?}"
        );
    }
    let mut invalid_utf8 = vec![0xff];
    invalid_utf8.extend_from_slice(format!("{TEXT}\n{PETER_SIG}").as_bytes());
    assert!(matches!(
        open_note(&invalid_utf8, "PeterNeumann", &peter),
        Err(LogError::MalformedNote("not UTF-8"))
    ));
}

#[test]
fn kat_sumdb_checkpoints_verify() {
    let (name, key) = parse_vkey(SUMDB_VKEY).unwrap();
    assert_eq!(name, "sum.golang.org");
    for (note, size, root) in SUMDB_NOTES {
        let cp = open_checkpoint(note, &name, &key).unwrap();
        assert_eq!(cp.origin, "go.sum database tree");
        assert_eq!(cp.size, size);
        assert_eq!(BASE64.encode(cp.root), root);
        // Tampering with the size breaks the signature.
        let forged = note.replacen(&size.to_string(), &(size + 1).to_string(), 1);
        assert!(matches!(
            open_checkpoint(&forged, &name, &key),
            Err(LogError::InvalidSignature { .. })
        ));
    }
}

#[test]
fn round_trip() {
    let key = test_key();
    let cp = test_cp();
    assert_eq!(
        cp.body(),
        format!("notary.example/log\n42\n{}\n", BASE64.encode(cp.root))
    );
    assert_eq!(Checkpoint::parse_body(&cp.body()).unwrap(), cp);
    let note = sign_checkpoint(&cp, &cp.origin, &key);
    let id = key_id(&cp.origin, &key.verifying_key());
    let (body, sig_line) = note.split_once("\n\n").unwrap();
    assert_eq!(format!("{body}\n"), cp.body());
    let sig_b64 = sig_line
        .strip_prefix("— notary.example/log ")
        .and_then(|s| s.strip_suffix('\n'))
        .unwrap();
    let sig = BASE64.decode(sig_b64).unwrap();
    assert_eq!(sig.len(), 4 + 64);
    assert_eq!(sig[..4], id.to_be_bytes());
    let opened = open_checkpoint(&note, &cp.origin, &key.verifying_key()).unwrap();
    assert_eq!(opened, cp);
    // Empty tree and the largest size.
    for size in [0, u64::MAX] {
        let cp = Checkpoint { size, ..test_cp() };
        let note = sign_checkpoint(&cp, "notar", &key);
        assert_eq!(
            open_checkpoint(&note, "notar", &key.verifying_key()).unwrap(),
            cp
        );
    }
    // The vkey string round-trips, and is what Go would accept.
    let vk = key.verifying_key();
    let s = vkey("notary.example/log", &vk);
    assert_eq!(
        parse_vkey(&s).unwrap(),
        ("notary.example/log".to_string(), vk)
    );
}

#[test]
fn cosignatures_and_unknown_keys_are_ignored() {
    let key = test_key();
    let witness = SigningKey::from_bytes(&[9u8; 32]);
    let cp = test_cp();
    let note = sign_checkpoint(&cp, "notar", &key);
    let cosigned = sign_note(&cp.body(), "witness.example", &witness).unwrap();
    let witness_line = cosigned.split_once("\n\n").unwrap().1;
    let vk = key.verifying_key();
    let after = format!("{note}{witness_line}");
    assert_eq!(open_checkpoint(&after, "notar", &vk).unwrap(), cp);
    let before = note.replacen("\n\n", &format!("\n\n{witness_line}"), 1);
    assert_eq!(open_checkpoint(&before, "notar", &vk).unwrap(), cp);
}

#[test]
fn tampering_is_rejected() {
    let key = test_key();
    let vk = key.verifying_key();
    let cp = test_cp();
    let note = sign_checkpoint(&cp, "notar", &key);
    // Body changed: size, origin, root.
    for (from, to) in [("\n42\n", "\n43\n"), ("notary.example", "notary.exampl3")] {
        let forged = note.replacen(from, to, 1);
        assert!(matches!(
            open_checkpoint(&forged, "notar", &vk),
            Err(LogError::InvalidSignature { .. })
        ));
    }
    let other_root = Checkpoint {
        root: [0; 32],
        ..cp.clone()
    };
    let forged = note.replacen(&BASE64.encode(cp.root), &BASE64.encode(other_root.root), 1);
    assert!(open_checkpoint(&forged, "notar", &vk).is_err());
    // Wrong key, wrong name.
    let other = SigningKey::from_bytes(&[8u8; 32]).verifying_key();
    assert!(matches!(
        open_checkpoint(&note, "notar", &other),
        Err(LogError::NoSignature { .. })
    ));
    assert!(matches!(
        open_checkpoint(&note, "notar2", &vk),
        Err(LogError::NoSignature { .. })
    ));
    assert!(matches!(
        open_checkpoint(&note, "bad name", &vk),
        Err(LogError::InvalidKeyName)
    ));
    // Signed by the right key under the right name, but over something else.
    let other_sig = sign_note("something else\n", "notar", &key).unwrap();
    let sig_line = other_sig.split_once("\n\n").unwrap().1;
    let spliced = format!("{}\n{sig_line}", cp.body());
    assert!(matches!(
        open_checkpoint(&spliced, "notar", &vk),
        Err(LogError::InvalidSignature { .. })
    ));
}

#[test]
fn malformed_bodies_rejected() {
    let root = BASE64.encode([1u8; 32]);
    let good = format!("o\n5\n{root}\n");
    assert!(Checkpoint::parse_body(&good).is_ok());
    let bad = [
        String::new(),
        "\n".into(),
        format!("o\n5\n{root}"),
        format!("\n5\n{root}\n"),
        format!("o\n05\n{root}\n"),
        format!("o\n+5\n{root}\n"),
        format!("o\n-5\n{root}\n"),
        format!("o\n 5\n{root}\n"),
        format!("o\n5 \n{root}\n"),
        format!("o\n\n{root}\n"),
        format!("o\n18446744073709551616\n{root}\n"),
        format!("o\n0x5\n{root}\n"),
        format!("o\n5\n{root}\next\n"),
        format!("o\n5\n{root}\n\n"),
        format!("o\r\n5\n{root}\n"),
        format!("o\t\n5\n{root}\n"),
        "o\n5\n".into(),
        "o\n".into(),
        format!("o\n5\n{}\n", BASE64.encode([1u8; 31])),
        format!("o\n5\n{}\n", BASE64.encode([1u8; 33])),
        format!("o\n5\n{}\n", &root[..43]),
        // Non-canonical: last character carries bits the 32 bytes do not have.
        format!("o\n5\n{}B=\n", &root[..42]),
        format!("o\n5\n{}\n", root.replace('=', "A")),
        format!("o\n5\n{}\n", root.replacen('A', "-", 1)),
    ];
    for body in bad {
        assert!(Checkpoint::parse_body(&body).is_err(), "{body:?}");
    }
    assert_eq!(
        Checkpoint::parse_body(&format!("o\n0\n{root}\n"))
            .unwrap()
            .size,
        0
    );
    assert_eq!(
        Checkpoint::parse_body(&format!("o\n18446744073709551615\n{root}\n"))
            .unwrap()
            .size,
        u64::MAX
    );
}

#[test]
fn malformed_notes_rejected() {
    let key = test_key();
    let vk = key.verifying_key();
    let note = sign_checkpoint(&test_cp(), "notar", &key);
    let (body, sig) = note.split_once("\n\n").unwrap();
    let bad = [
        String::new(),
        "\n\n".into(),
        body.to_string(),
        format!("{body}\n"),
        format!("{body}\n\n"),
        format!("{body}\n\n{}", sig.trim_end()),
        format!("{body}\n\n{}", sig.replace('—', "-")),
        format!("{body}\n\n{}", sig.replace("— ", "—")),
        format!("{body}\n\n{}", sig.replace("notar ", "notar  ")),
        format!("{body}\n\n— notar AAAA\n"),
        format!("{body}\n\n— notar !!!!\n"),
        format!("{body}\n\n{sig}\n"),
        format!("{body}\n\n{sig}garbage\n"),
        note.replace('\n', "\r\n"),
        format!("{body}\n{sig}"),
    ];
    for n in bad {
        assert!(open_checkpoint(&n, "notar", &vk).is_err(), "{n:?}");
    }
    // Oversize, before any parsing.
    let huge = format!("{}\n\n{sig}", "x".repeat(MAX_NOTE_BYTES));
    assert!(matches!(
        open_checkpoint(&huge, "notar", &vk),
        Err(LogError::NoteTooLarge { .. })
    ));
    // A valid note whose text is not a checkpoint.
    let not_cp = sign_note("hello\n", "notar", &key).unwrap();
    assert!(matches!(
        open_checkpoint(&not_cp, "notar", &vk),
        Err(LogError::MalformedCheckpoint(_))
    ));
    // Nothing ambiguous gets signed.
    for origin in ["", "two\nlines", "tab\there"] {
        let cp = Checkpoint {
            origin: origin.into(),
            ..test_cp()
        };
        assert!(
            try_sign_checkpoint(&cp, "notar", &key).is_err(),
            "{origin:?}"
        );
        let note = sign_checkpoint(&cp, "notar", &key);
        assert_eq!(note, "");
        assert!(open_checkpoint(&note, "notar", &vk).is_err());
    }
    for name in ["", "a b", "a+b", "a\nb", "a\u{2003}b"] {
        assert!(matches!(
            try_sign_checkpoint(&test_cp(), name, &key),
            Err(LogError::InvalidKeyName)
        ));
        assert_eq!(sign_checkpoint(&test_cp(), name, &key), "");
        assert!(check_key_name(name).is_err());
        assert!(parse_vkey(&vkey(name, &vk)).is_err());
    }
}

#[test]
fn mangled_vkeys_rejected() {
    // Go's TestNewVerifier: every proper substring and every one-byte increment fails.
    let b = PETER_VKEY.as_bytes();
    for i in 0..=b.len() {
        for j in i + 1..=b.len() {
            if i != 0 || j != b.len() {
                let s = String::from_utf8_lossy(&b[i..j]);
                assert!(parse_vkey(&s).is_err(), "{s}");
            }
        }
    }
    for i in 0..b.len() {
        let mut m = b.to_vec();
        m[i] = m[i].wrapping_add(1);
        let s = String::from_utf8_lossy(&m);
        assert!(parse_vkey(&s).is_err(), "{s}");
    }
    // Wrong length and unknown algorithm, with matching key ids (from Go's tests).
    assert!(parse_vkey(
        "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY=="
    )
    .is_err());
    assert!(
        parse_vkey("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW").is_err()
    );
    // A small-order key with a correct id.
    let mut weak = [0u8; 33];
    weak[0] = ALG_ED25519;
    weak[1] = 1; // the identity point
    let s = format!(
        "weak+{:08x}+{}",
        signed_note::key_id("weak", &weak),
        BASE64.encode(weak)
    );
    assert!(matches!(
        parse_vkey(&s),
        Err(LogError::MalformedVerifierKey("weak Ed25519 key"))
    ));
}

fn signed_test_note() -> &'static (String, VerifyingKey) {
    static CELL: std::sync::OnceLock<(String, VerifyingKey)> = std::sync::OnceLock::new();
    CELL.get_or_init(|| {
        let key = test_key();
        let note = sign_checkpoint(&test_cp(), "notar", &key);
        (note, key.verifying_key())
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Any bytes at all: an answer, never a panic.
    #[test]
    fn open_is_total(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let (_, vk) = signed_test_note();
        let _ = open_checkpoint_bytes(&bytes, "notar", vk);
        let _ = parse_vkey(&String::from_utf8_lossy(&bytes));
        if let Ok(s) = std::str::from_utf8(&bytes) {
            let _ = Checkpoint::parse_body(s);
        }
    }

    /// Changing any one byte of a signed checkpoint makes it fail.
    #[test]
    fn any_byte_change_is_rejected(pos in any::<usize>(), delta in 1u8..=255) {
        let (note, vk) = signed_test_note();
        let mut bytes = note.clone().into_bytes();
        let i = pos % bytes.len();
        bytes[i] = bytes[i].wrapping_add(delta);
        prop_assert!(open_checkpoint_bytes(&bytes, "notar", vk).is_err());
    }

    /// Appending noise never panics; signing any body round-trips.
    #[test]
    fn round_trip_any(origin in "[a-z0-9./ -]{1,40}", size in any::<u64>(), root in any::<[u8; 32]>()) {
        let key = test_key();
        let cp = Checkpoint { origin, size, root };
        let note = sign_checkpoint(&cp, "notar", &key);
        prop_assert_eq!(open_checkpoint(&note, "notar", &key.verifying_key()).unwrap(), cp);
    }
}
