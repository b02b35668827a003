use std::process::Command;

use super::*;

fn hex32(s: &str) -> [u8; 32] {
    hex::decode(s).expect("hex").try_into().expect("32 bytes")
}

fn openssl(args: &[&str]) -> Vec<u8> {
    let out = Command::new("openssl")
        .args(args)
        .output()
        .expect("the openssl binary runs");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// The raw public key in the DER SubjectPublicKeyInfo `openssl pkey -pubout` writes for `pem`.
fn openssl_public_key(pem_path: &std::path::Path) -> [u8; 32] {
    let path = pem_path.to_str().expect("utf-8 temp path");
    let der = openssl(&["pkey", "-in", path, "-pubout", "-outform", "DER"]);
    assert_eq!(
        der.len(),
        44,
        "X25519 SPKI is 12 bytes of header and the key"
    );
    der[12..].try_into().expect("32 bytes")
}

#[test]
fn seal_then_open_gives_the_plaintext_back() {
    let sk = EscrowSecretKey::generate();
    let k = [42u8; 32];
    let escrow = seal(&sk.public_key(), b"binding", &k).expect("seals");
    assert_eq!(escrow.len(), ENC_LEN + k.len() + TAG_LEN);
    assert_eq!(
        sk.open(b"binding", &escrow).expect("opens").as_slice(),
        &k[..]
    );
    // Fresh randomness each time: two escrows of one key differ.
    assert_ne!(
        escrow,
        seal(&sk.public_key(), b"binding", &k).expect("seals")
    );
}

#[test]
fn wrong_binding_other_key_tampering_and_truncation_do_not_open() {
    let sk = EscrowSecretKey::generate();
    let escrow = seal(&sk.public_key(), b"binding", &[1u8; 32]).expect("seals");
    let does_not_open =
        |r: Result<Zeroizing<Vec<u8>>, EscrowError>| matches!(r, Err(EscrowError::DoesNotOpen));
    assert!(does_not_open(sk.open(b"bindinG", &escrow)));
    assert!(does_not_open(sk.open(b"", &escrow)));
    assert!(does_not_open(
        EscrowSecretKey::generate().open(b"binding", &escrow)
    ));
    // A flipped bit in the encapsulated key, the sealed key and the tag.
    for i in [0, ENC_LEN - 1, ENC_LEN, escrow.len() - 1] {
        let mut bad = escrow.clone();
        bad[i] ^= 0x80;
        assert!(
            does_not_open(sk.open(b"binding", &bad)),
            "bit flipped at {i}"
        );
    }
    // Truncated: too short to be an escrow, or short of its sealed bytes.
    for len in [0, 1, ENC_LEN, ENC_LEN + TAG_LEN - 1] {
        assert!(matches!(
            sk.open(b"binding", &escrow[..len]),
            Err(EscrowError::TooShort { min: 48, .. })
        ));
    }
    for len in [ENC_LEN + TAG_LEN, escrow.len() - 1] {
        assert!(does_not_open(sk.open(b"binding", &escrow[..len])));
    }
    // Bytes appended.
    let mut long = escrow.clone();
    long.push(0);
    assert!(does_not_open(sk.open(b"binding", &long)));
}

#[test]
fn sealing_to_a_low_order_key_is_an_error_not_a_panic() {
    // The all-zero point: X25519 with it gives the all-zero shared secret, which HPKE refuses.
    let r = seal(&EscrowPublicKey::from_bytes([0; 32]), b"aad", b"k");
    assert!(matches!(r, Err(EscrowError::Seal(_))), "{r:?}");
}

/// RFC 9180 Appendix A.2.1: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, ChaCha20Poly1305, base
/// mode; its first encryption (sequence number 0).
#[test]
fn rfc9180_a_2_1_test_vector_opens() {
    let sk_rm = hex32("8057991eef8f1f1af18f4a9491d16a1ce333f695d4db8e38da75975c4478e0fb");
    let pk_rm = hex32("4310ee97d88cc1f088a5576c77ab0cf5c3ac797f3d95139c6c84b5429c59662a");
    let enc = hex32("1afa08d3dec047a643885163f1180476fa7ddb54c6a8029ea33f95796bf2ac4a");
    let info = hex::decode("4f6465206f6e2061204772656369616e2055726e").expect("hex");
    let aad = hex::decode("436f756e742d30").expect("hex");
    let ct = hex::decode(
        "1c5250d8034ec2b784ba2cfd69dbdb8af406cfe3ff938e131f0def8c8b60b4db21993c62ce81883d2dd1b51a28",
    )
    .expect("hex");
    let pt =
        hex::decode("4265617574792069732074727574682c20747275746820626561757479").expect("hex");
    assert_eq!(info, b"Ode on a Grecian Urn");
    assert_eq!(aad, b"Count-0");
    assert_eq!(pt, b"Beauty is truth, truth beauty");

    let sk = EscrowSecretKey(StaticSecret::from(sk_rm));
    assert_eq!(sk.public_key().as_bytes(), &pk_rm);
    let escrow = [&enc[..], &ct[..]].concat();
    let opened = sk.open_with_info(&info, &aad, &escrow).expect("opens");
    assert_eq!(opened.as_slice(), &pt[..]);
    // Our own info is not the vector's: the same bytes do not open as an escrow.
    assert!(sk.open(&aad, &escrow).is_err());
}

#[test]
fn pem_round_trip_keeps_the_key() {
    let sk = EscrowSecretKey::generate();
    let pem = sk.to_pem();
    assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"));
    // PKCS#8 v1: 48 bytes of DER, 64 base64 characters on one line.
    assert_eq!(pem.lines().nth(1).map(str::len), Some(64));
    let back = EscrowSecretKey::from_pem(&pem).expect("reads");
    assert_eq!(back.public_key(), sk.public_key());
    assert_eq!(back.0.to_bytes(), sk.0.to_bytes());
}

#[test]
fn reads_a_key_made_by_openssl() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let path = tmp.path().join("k.pem");
    let p = path.to_str().expect("utf-8");
    openssl(&["genpkey", "-algorithm", "X25519", "-out", p]);
    let pem = std::fs::read_to_string(&path).expect("read");
    let sk = EscrowSecretKey::from_pem(&pem).expect("reads openssl's key");
    assert_eq!(sk.public_key().as_bytes(), &openssl_public_key(&path));
    // Written back byte for byte as openssl wrote it.
    assert_eq!(sk.to_pem().as_str(), pem);
}

#[test]
fn openssl_reads_our_key() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let path = tmp.path().join("k.pem");
    let sk = EscrowSecretKey::generate();
    std::fs::write(&path, sk.to_pem().as_bytes()).expect("write");
    assert_eq!(sk.public_key().as_bytes(), &openssl_public_key(&path));
    let text = openssl(&[
        "pkey",
        "-in",
        path.to_str().expect("utf-8"),
        "-noout",
        "-text",
    ]);
    assert!(String::from_utf8_lossy(&text).contains("X25519 Private-Key"));
}

#[test]
fn other_keys_and_garbage_are_refused() {
    let ed25519 = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC\n-----END PRIVATE KEY-----\n";
    let err = EscrowSecretKey::from_pem(ed25519).expect_err("an Ed25519 key");
    assert!(err.to_string().contains("1.3.101.112"), "{err}");
    let ours = EscrowSecretKey::generate().to_pem();
    let relabelled = ours.replace("PRIVATE KEY", "PUBLIC KEY");
    assert!(EscrowSecretKey::from_pem(&relabelled).is_err());
    for bad in [
        "",
        "garbage",
        "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
    ] {
        assert!(matches!(
            EscrowSecretKey::from_pem(bad),
            Err(EscrowError::BadSecretKey(_))
        ));
    }
}

#[test]
fn public_key_base64_round_trip_and_errors() {
    let pk = EscrowSecretKey::generate().public_key();
    let b64 = pk.to_base64();
    assert_eq!(b64.len(), 44);
    assert_eq!(EscrowPublicKey::from_base64(&b64).expect("reads"), pk);
    assert_eq!(EscrowPublicKey::from_bytes(*pk.as_bytes()), pk);
    for bad in ["", "AAAA", "not base64!", &b64[..40]] {
        assert!(matches!(
            EscrowPublicKey::from_base64(bad),
            Err(EscrowError::BadPublicKey(_))
        ));
    }
}

#[test]
fn debug_shows_no_secret() {
    let sk = EscrowSecretKey::generate();
    let shown = format!("{sk:?}");
    let secret_hex = hex::encode(sk.0.to_bytes());
    assert!(!shown.contains(&secret_hex));
    assert!(!shown.contains(&format!("{:?}", sk.0.to_bytes())));
    assert!(shown.contains(&sk.public_key().to_base64()));
}
