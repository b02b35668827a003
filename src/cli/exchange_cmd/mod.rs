//! `notar exchange`: the parties' side of fair exchange (docs/design.md §6.4), offline like
//! `notar order sign`, plus the calls a party makes to the notary when the other side stalls
//! (abort, resolve, show). Each subcommand reads and writes plain files, so the whole protocol
//! runs from a shell; docs/formats.md states every byte.

mod contract;
pub(super) mod files;
mod item;
mod offer;
mod remote;

use clap::{Args, Subcommand};

use super::Failure;

/// The walk through both protocols, shown by `notar exchange --help`.
const OVERVIEW: &str = "\
Contract signing: both parties end up bound by the contract, or neither is.
  1 originator  notar exchange offer --key o.pem --originator O_ID --responder R_ID \\
                  --contract deal.pdf --out m1.json --nonce-out na.hex      (prints the tid)
                sends m1.json and deal.pdf to the responder
  2 responder   notar exchange accept --key r.pem --m1 m1.json --contract deal.pdf \\
                  --out m2.json --nonce-out nb.hex                           sends m2.json
  3 originator  sends na.hex        4 responder  sends nb.hex
  5 anyone      notar exchange check-contract --m1 m1.json --m2 m2.json --na na.hex \\
                  --nb nb.hex --originator-key o.pub.pem --responder-key r.pub.pem
  m2 does not come:      originator  notar exchange abort --key o.pem --m1 m1.json --out token.json
  na or nb does not come:  either    notar exchange resolve --m1 m1.json --m2 m2.json --out token.json
  The notary's first decision is final: a resolve gets the replacement contract (binding both)
  unless the originator aborted first; every later request gets that same token.

Item for receipt: the recipient gets the item exactly when the sender gets a receipt.
  1 sender      notar exchange send-item --key s.pem --sender S_ID --recipient R_ID \\
                  --item goods.pdf --out-dir out/                            (prints the tid)
                sends out/m1.json, item.enc, escrow.bin and item_escrow.json
  2 recipient   notar exchange receipt --key r.pem --recipient R_ID --m1 m1.json \\
                  --ciphertext item.enc --escrow escrow.bin --item-escrow item_escrow.json \\
                  --out receipt.json                                         sends receipt.json
  3 sender      sends out/item.key
  4 recipient   notar exchange open --ciphertext item.enc --key-file item.key --m1 m1.json \\
                  --out goods.pdf
  The key does not come:  recipient  notar exchange resolve --m1 m1.json \\
                  --item-escrow item_escrow.json --receipt receipt.json --escrow escrow.bin \\
                  --key-out item.key > answer.json                  then step 4
                the notary keeps a delivery affidavit for the sender (its receipt): the sender
                gets it by resolving with the same files, or with `show TID`
  The receipt does not come:  sender  notar exchange abort --key s.pem --m1 out/m1.json
  An escrow that does not open gives an escrow-failure affidavit instead: the sender's fault.

Check the notary's tokens offline: notar verify token.json --notary-key BASE64
Exit codes: 0 ok; 1 a check failed or the notary refused (its error code is printed);
2 usage or unreadable input.";

/// `notar exchange`.
#[derive(Debug, Args)]
#[command(after_long_help = OVERVIEW)]
pub struct ExchangeArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: ExchangeCommand,
}

/// `notar exchange ...`.
#[derive(Debug, Subcommand)]
pub enum ExchangeCommand {
    /// Originator: offer to sign a contract (m1); writes m1 and the secret nonce na, prints the tid.
    Offer(offer::OfferArgs),
    /// Responder: accept an offer (m2); writes m2 and the secret nonce nb, prints the tid.
    Accept(offer::AcceptArgs),
    /// Anyone: check a standard contract (m1, m2, na, nb) offline.
    CheckContract(contract::CheckContractArgs),
    /// Sender: encrypt an item, escrow its key to the notary, sign m1 and the escrow statement.
    SendItem(item::SendItemArgs),
    /// Recipient: check what the sender sent and sign the receipt.
    Receipt(item::ReceiptArgs),
    /// Recipient: decrypt the item with its key (from the sender or the notary's answer).
    Open(item::OpenArgs),
    /// Originator: ask the notary to abort an exchange (POST /v1/exchanges/abort).
    Abort(remote::AbortArgs),
    /// Either party: ask the notary to resolve an exchange (POST /v1/exchanges/resolve).
    Resolve(remote::ResolveArgs),
    /// The notary's record of an exchange (GET /v1/exchanges/{tid}).
    Show(remote::ShowArgs),
}

/// Runs `notar exchange ...`.
pub async fn run(args: ExchangeArgs) -> Result<(), Failure> {
    match args.command {
        ExchangeCommand::Offer(a) => offer::offer(a).await,
        ExchangeCommand::Accept(a) => offer::accept(a),
        ExchangeCommand::CheckContract(a) => contract::check(a),
        ExchangeCommand::SendItem(a) => item::send_item(a).await,
        ExchangeCommand::Receipt(a) => item::receipt(a),
        ExchangeCommand::Open(a) => item::open(a),
        ExchangeCommand::Abort(a) => remote::abort(a).await,
        ExchangeCommand::Resolve(a) => remote::resolve(a).await,
        ExchangeCommand::Show(a) => remote::show(a).await,
    }
}
