//! RFC 3161 issuing throughput: the raw P-256 signature versus a whole `issue_response`
//! (parse-free: a typical SHA-256 query with nonce and certReq), measured in the same run so
//! their ratio shows what the DER/CMS work around the signature costs.
//!
//! Run: `cargo bench --bench tsa`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use chrono::Utc;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use der::oid::ObjectIdentifier;
use notar::crypto::pki::generate_tsa_pki;
use notar::crypto::tsa::{issue_response, HashAlg, TimestampQuery, TokenParams, TsaSigner};
use ring::rand::SystemRandom;
use ring::signature::{EcdsaKeyPair, ECDSA_P256_SHA256_ASN1_SIGNING};

fn tsa(c: &mut Criterion) {
    let pki = generate_tsa_pki("Bench", Utc::now(), 30).expect("PKI generation");
    let signer = TsaSigner::from_pem(&pki.tsa_key_pem, &pki.tsa_cert_pem).expect("TSA signer");
    let query = TimestampQuery::for_data(HashAlg::Sha256, b"benchmark document", true);
    let params = TokenParams {
        serial: 1,
        gen_time: Utc::now(),
        policy: ObjectIdentifier::new_unwrap("1.3.6.1.4.1.99999.1"),
        accuracy_ms: 1_000,
    };
    // The primitive TsaSigner uses: ring, ECDSA P-256 with SHA-256, DER signature. The message
    // is the size of the signed attributes of a token (about 200 bytes).
    let rng = SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng).unwrap();
    let key =
        EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref(), &rng).unwrap();
    let message = [0x31u8; 200];

    let mut group = c.benchmark_group("tsa");
    group
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .throughput(Throughput::Elements(1));
    group.bench_function("p256_sign_ring", |b| {
        b.iter(|| key.sign(&rng, black_box(&message)).unwrap())
    });
    group.bench_function("issue_response_sha256_nonce_certreq", |b| {
        b.iter(|| issue_response(&signer, black_box(&query), &params).unwrap())
    });
    group.finish();

    // Criterion reports each figure; print their ratio from one quick paired measurement.
    let per_sec = |f: &mut dyn FnMut()| {
        let n = 2_000u32;
        let start = Instant::now();
        for _ in 0..n {
            f();
        }
        f64::from(n) / start.elapsed().as_secs_f64()
    };
    let sign = per_sec(&mut || {
        black_box(key.sign(&rng, &message).unwrap());
    });
    let issue = per_sec(&mut || {
        black_box(issue_response(&signer, &query, &params).unwrap());
    });
    println!(
        "tsa: {sign:.0} raw signatures/s, {issue:.0} tokens/s on one core: issuing costs {:.2}x a signature",
        sign / issue
    );
}

criterion_group!(benches, tsa);
criterion_main!(benches);
