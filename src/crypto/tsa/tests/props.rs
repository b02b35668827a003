use super::*;
use proptest::prelude::*;

fn openssl_queries() -> Vec<Vec<u8>> {
    [
        Q_SHA256,
        Q_SHA384,
        Q_SHA512,
        Q_SHA1,
        Q_MD5,
        Q_CERT_NO_NONCE,
        Q_POLICY,
    ]
    .iter()
    .map(|q| hex::decode(q).unwrap())
    .collect()
}

proptest! {
    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = parse_query(&bytes, &policy());
        let _ = verify_response(&bytes, DATA, &fixture().root_der, None);
    }

    #[test]
    fn mutated_queries_never_panic(
        which in 0usize..7,
        flips in proptest::collection::vec((any::<usize>(), 0u8..8), 1..4),
        cut in any::<Option<usize>>(),
    ) {
        let mut der = openssl_queries()[which].clone();
        for (at, bit) in flips {
            let at = at % der.len();
            der[at] ^= 1 << bit;
        }
        if let Some(cut) = cut {
            der.truncate(cut % (der.len() + 1));
        }
        if let Ok(q) = parse_query(&der, &policy()) {
            // Whatever is accepted is fit to be stamped.
            prop_assert_eq!(q.imprint.len(), q.hash_alg.digest_len());
            prop_assert!(issue_response(&fixture().signer, &q, &params(1)).is_ok());
        }
    }

    #[test]
    fn queries_round_trip(alg in 0usize..3, data in proptest::collection::vec(any::<u8>(), 0..64), cert_req: bool, nonce: bool, null: bool) {
        let mut q = TimestampQuery::for_data(HashAlg::ALL[alg], &data, cert_req);
        q.hash_params_null = null;
        if !nonce {
            q.nonce = None;
        }
        prop_assert_eq!(parse_query(&q.to_der().unwrap(), &policy()).unwrap(), q);
    }

    #[test]
    fn mutated_responses_never_panic(flips in proptest::collection::vec((any::<usize>(), 0u8..8), 1..3)) {
        static RESP: OnceLock<Vec<u8>> = OnceLock::new();
        let resp = RESP.get_or_init(|| {
            let q = TimestampQuery::for_data(HashAlg::Sha256, DATA, true);
            issue_response(&fixture().signer, &q, &params(1)).unwrap()
        });
        let mut der = resp.clone();
        for (at, bit) in flips {
            let at = at % der.len();
            der[at] ^= 1 << bit;
        }
        let _ = verify_response(&der, DATA, &fixture().root_der, None);
    }
}
