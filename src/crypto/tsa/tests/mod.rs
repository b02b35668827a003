//! Unit tests of the TSA, one file per module they test; the fixture (a PKI made once) and the
//! OpenSSL-made queries are shared here.

mod props;
mod query;
mod response;
mod token;
mod tst_info;
mod verify;

use super::attrs::attr_value;
use super::ess::SigningCertificateV2;
use super::query::int_bytes_from_u64;
use super::response::{TimeStampResp, STATUS_TEXT_LEN_MAX};
use super::tst_info::{accuracy, accuracy_ms, GenTime, TstInfo};
use super::*;
use crate::crypto::pki::{cert_der_from_pem, generate_tsa_pki, GeneratedPki};
use chrono::{DateTime, TimeZone, Utc};
use cms::signed_data::SignedData;
use const_oid::db::rfc5911::{ID_AA_SIGNING_CERTIFICATE_V_2, ID_CONTENT_TYPE, ID_MESSAGE_DIGEST};
use der::asn1::{Int, OctetString};
use der::{Decode, Encode};
use std::sync::OnceLock;
use x509_cert::ext::pkix::name::GeneralName;
use x509_tsp::{Accuracy, MessageImprint, TimeStampReq, TspVersion};

/// Queries made once with `openssl ts -query -data f.txt ...` (OpenSSL 3.0), where f.txt is
/// "hello notar\n" (SHA-256 26320c55...).
const Q_SHA256: &str = "30400201013031300d06096086480165030402010500042026320c559f4251919acbe87040e21d46bf5962c10e864cab9770be5a3d7e3d71020811ac1d969c6a4155";
const Q_SHA384: &str = "30510201013041300d06096086480165030402020500043009427c31e84b725097731b3667fdb5385eb44fc1bd881d3b7dac189c2480fbd9ae3307692b540836cfcb95d2c2804b4b020900a3a08f9a51a33d2b";
const Q_SHA512: &str = "30610201013051300d06096086480165030402030500044076ae9bfd9b0cd683f24d5d0b3a994fc9bdf3566c0d246d8da2caae10b19707136e256e1d3a44ca553574afaaded9bb9ad9d82d725876211e0a92f923ae4ec81d02090087195b4533919199";
const Q_SHA1: &str = "30300201013021300906052b0e03021a050004147357971a1de62b7b3a18f80795ba84dfd62e5e8002083a5562ff0017287f";
const Q_MD5: &str = "30300201013020300c06082a864886f70d020505000410ab5fcf65b0f6ce410b8fd82dcd51af47020900e7d70a85e4247a49";
/// `-sha256 -cert -no_nonce`
const Q_CERT_NO_NONCE: &str = "30390201013031300d06096086480165030402010500042026320c559f4251919acbe87040e21d46bf5962c10e864cab9770be5a3d7e3d710101ff";
/// `-sha256 -cert -tspolicy 1.3.6.1.4.1.99999.1`
const Q_POLICY: &str = "304f0201013031300d06096086480165030402010500042026320c559f4251919acbe87040e21d46bf5962c10e864cab9770be5a3d7e3d7106092b06010401868d1f01020900a8ea10d6f2bf90f50101ff";
const DATA: &[u8] = b"hello notar\n";

fn policy() -> ObjectIdentifier {
    ObjectIdentifier::new_unwrap("1.3.6.1.4.1.99999.1")
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).single().unwrap()
}

struct Fixture {
    pki: GeneratedPki,
    signer: TsaSigner,
    root_der: Vec<u8>,
    tsa_der: Vec<u8>,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let pki = generate_tsa_pki("Unit Test", now(), 30).unwrap();
        let signer = TsaSigner::from_pem(&pki.tsa_key_pem, &pki.tsa_cert_pem).unwrap();
        Fixture {
            root_der: cert_der_from_pem(&pki.root_cert_pem).unwrap(),
            tsa_der: cert_der_from_pem(&pki.tsa_cert_pem).unwrap(),
            pki,
            signer,
        }
    })
}

fn params(serial: u64) -> TokenParams {
    TokenParams {
        serial,
        gen_time: now() + chrono::Duration::milliseconds(1_250),
        policy: policy(),
        accuracy_ms: 1_500,
    }
}

fn parse_hex(hex_query: &str) -> Result<TimestampQuery, Rejection> {
    parse_query(&hex::decode(hex_query).unwrap(), &policy())
}

fn failure(hex_or_der: Result<TimestampQuery, Rejection>) -> FailureInfo {
    hex_or_der.unwrap_err().failure
}

#[test]
fn small_helpers() {
    assert_eq!(int_bytes_from_u64(0), [0]);
    assert_eq!(int_bytes_from_u64(0x7f), [0x7f]);
    assert_eq!(int_bytes_from_u64(0x80), [0, 0x80]);
    assert_eq!(int_bytes_from_u64(0x0100), [1, 0]);
    assert_eq!(accuracy(0), None);
    assert_eq!(
        accuracy(1_000),
        Some(Accuracy {
            seconds: Some(1),
            millis: None,
            micros: None
        })
    );
    assert_eq!(
        accuracy(20),
        Some(Accuracy {
            seconds: None,
            millis: Some(20),
            micros: None
        })
    );
    assert_eq!(
        accuracy_ms(&Accuracy {
            seconds: Some(2),
            millis: Some(5),
            micros: Some(1)
        }),
        2_006
    );
    for alg in HashAlg::ALL {
        assert_eq!(alg.digest(b"").len(), alg.digest_len());
        assert_eq!(HashAlg::from_oid(&alg.oid()), Some(alg));
    }
}
