//! Keys, signatures and the PKI pieces the notary needs: Ed25519 notary keys, the P-256 TSA
//! certificate chain and RFC 3161 token encoding.

pub mod envelope;
pub mod keys;
pub mod pki;
pub mod tsa;
pub mod x509;
