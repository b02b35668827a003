//! The console's whole state, and the one place where the core registers the screens: which
//! screens exist and in what order ([`Screen`]), the state each keeps (a field of [`App`]),
//! the actions of its own ([`ScreenAction`]), the requests it makes ([`Pending`]), the
//! questions it asks ([`PromptPurpose`]) and what it has the notary sign ([`SignPlan`]).
//! Views read it, `update` changes it; nothing in here does I/O.

use ed25519_dalek::VerifyingKey;

use crate::api::admin::proto::{Hello, Op, Status};

use super::command::Command;
use super::components::confirm::{ConfirmDialog, Field, Signable};
use super::requests::Requests;
use super::screens::agreements::plans::{ActionOutcome, LedgerPlan};
use super::screens::agreements::{AgreementsAction, AgreementsView};
use super::screens::cases::plan::{RulingPlan, WithdrawPlan};
use super::screens::cases::{CasesAction, CasesView};
use super::screens::exchanges::plan::CasePlan;
use super::screens::exchanges::{ExchangesAction, ExchangesView};
use super::screens::log::{LogAction, LogView};
use super::screens::timestamps::{StampOutcome, StampPlan, TimestampList, TimestampsAction};
use super::theme::Theme;

/// Poll `Status` this often.
pub const STATUS_POLL_MS: u64 = 1_000;
/// Poll the visible screen's list this often.
pub const LIST_POLL_MS: u64 = 1_500;
/// Longest text the prompt accepts (characters).
pub const PROMPT_LEN_MAX: usize = 4_096;

/// The screens, in `Tab` order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Screen {
    /// Notary identity and live figures.
    Dashboard,
    /// Recent timestamps, search, stamping.
    Timestamps,
    /// Checkpoints, entries, inclusion proofs.
    Log,
    /// Parties, agreements with their exposure, keys, guarantees, the live feed.
    Agreements,
    /// The complaint queue by deadline, the exchanges, and a case's detail.
    Exchanges,
    /// The cases ready for a ruling, a case's replay stepped item by item, signing the ruling.
    Cases,
}

impl Screen {
    /// All screens in display order; the digit keys follow it.
    pub const ALL: [Screen; 6] = [
        Screen::Dashboard,
        Screen::Timestamps,
        Screen::Log,
        Screen::Agreements,
        Screen::Exchanges,
        Screen::Cases,
    ];

    /// Tab title.
    pub fn title(self) -> &'static str {
        match self {
            Screen::Dashboard => "Dashboard",
            Screen::Timestamps => "Timestamps",
            Screen::Log => "Log",
            Screen::Agreements => "Agreements",
            Screen::Exchanges => "Exchanges",
            Screen::Cases => "Cases",
        }
    }

    /// The screen after this one, wrapping.
    pub fn next(self) -> Screen {
        Screen::ALL[(self.position() + 1) % Screen::ALL.len()]
    }

    /// The screen before this one, wrapping.
    pub fn prev(self) -> Screen {
        Screen::ALL[(self.position() + Screen::ALL.len() - 1) % Screen::ALL.len()]
    }

    fn position(self) -> usize {
        Screen::ALL.iter().position(|s| *s == self).unwrap_or(0)
    }
}

/// An action only one screen has (its keys are in that screen's module).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScreenAction {
    /// On the timestamps screen.
    Timestamps(TimestampsAction),
    /// On the log screen.
    Log(LogAction),
    /// On the agreements screen.
    Agreements(AgreementsAction),
    /// On the exchanges and complaints screen.
    Exchanges(ExchangesAction),
    /// On the cases screen.
    Cases(CasesAction),
}

/// What the one-line prompt is asking for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PromptPurpose {
    /// A hex digest or a file path to search timestamps for.
    Search,
    /// A file to stamp.
    StampPath,
    /// A log entry index to jump to.
    GotoEntry,
    /// Text to search agreements for (id, buyer name or id).
    AgreementSearch,
    /// Text to search parties for (name or id).
    PartySearch,
    /// The name of a party to register.
    PartyName,
    /// Its role: buyer or seller.
    PartyRole,
    /// The policy of a new agreement.
    AgreementPolicy,
    /// Its overall cap (a decimal amount).
    TotalCap,
    /// Its per-transaction cap (a decimal amount).
    PerTxCap,
    /// Why a key is revoked.
    RevokeReason,
    /// Why an agreement's status changes.
    StatusReason,
    /// An arbitrator's note for a case.
    CaseNote,
    /// Why a case's pending proposal is withdrawn.
    WithdrawReason,
}

impl PromptPurpose {
    /// The screen that asks this question and takes the answer.
    pub fn screen(self) -> Screen {
        match self {
            PromptPurpose::Search | PromptPurpose::StampPath => Screen::Timestamps,
            PromptPurpose::GotoEntry => Screen::Log,
            PromptPurpose::AgreementSearch
            | PromptPurpose::PartySearch
            | PromptPurpose::PartyName
            | PromptPurpose::PartyRole
            | PromptPurpose::AgreementPolicy
            | PromptPurpose::TotalCap
            | PromptPurpose::PerTxCap
            | PromptPurpose::RevokeReason
            | PromptPurpose::StatusReason => Screen::Agreements,
            PromptPurpose::CaseNote => Screen::Exchanges,
            PromptPurpose::WithdrawReason => Screen::Cases,
        }
    }
}

/// The one-line text prompt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prompt {
    /// What it is for.
    pub purpose: PromptPurpose,
    /// What has been typed.
    pub input: String,
}

/// Something the notary would sign.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SignPlan {
    /// An RFC 3161 timestamp over a local file.
    Stamp(StampPlan),
    /// A registry or ledger record (party, agreement, revocation, status change); boxed, it
    /// is much larger than a stamp.
    Ledger(Box<LedgerPlan>),
    /// Taking a case, or a note on it; boxed like the ledger's.
    Case(Box<CasePlan>),
    /// A case's replayed ruling; boxed, it holds the whole ruling.
    Ruling(Box<RulingPlan>),
    /// Withdrawing a case's pending proposal (nothing is signed).
    Withdraw(Box<WithdrawPlan>),
}

impl SignPlan {
    /// The signing plan's own view.
    fn signable(&self) -> &dyn Signable {
        match self {
            SignPlan::Stamp(p) => p,
            SignPlan::Ledger(p) => p.as_ref(),
            SignPlan::Case(p) => p.as_ref(),
            SignPlan::Ruling(p) => p.as_ref(),
            SignPlan::Withdraw(p) => p.as_ref(),
        }
    }
}

impl Signable for SignPlan {
    fn headline(&self) -> &'static str {
        self.signable().headline()
    }

    fn fields(&self, hello: &Hello) -> Vec<Field> {
        self.signable().fields(hello)
    }

    fn op(&self) -> Op {
        self.signable().op()
    }

    fn signs(&self) -> bool {
        self.signable().signs()
    }
}

/// What is drawn over the screen, innermost first for `Esc`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Overlay {
    /// Nothing.
    None,
    /// The key list.
    Help,
    /// A text prompt.
    Prompt(Prompt),
    /// The trusted confirmation dialog.
    Confirm(ConfirmDialog<SignPlan>),
    /// The outcome of a signing request.
    StampResult(StampOutcome),
    /// The outcome of a registry or ledger request; closes only with Enter or Esc, so a
    /// seller's API token is not lost to a stray key.
    ActionResult(ActionOutcome),
}

/// What an outstanding request was for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Pending {
    /// Dashboard figures.
    Status,
    /// The recent timestamps list.
    TimestampsRecent,
    /// A search by imprint.
    TimestampsSearch {
        /// The imprint searched, lowercase hex.
        imprint: String,
    },
    /// A signing request for this imprint.
    Stamp {
        /// The imprint sent, lowercase hex.
        imprint: String,
    },
    /// The checkpoints list.
    Checkpoints,
    /// A page of entries.
    Entries {
        /// First index asked for.
        start: u64,
    },
    /// An inclusion proof.
    Prove {
        /// The leaf index asked for.
        index: u64,
    },
    /// The agreements list for this search.
    Agreements {
        /// The search text.
        query: String,
    },
    /// The parties list for this search.
    Parties {
        /// The search text.
        query: String,
    },
    /// One agreement's detail.
    AgreementShow {
        /// Its id.
        id: String,
    },
    /// One party's detail.
    PartyShow {
        /// Its id.
        id: String,
    },
    /// The guarantee feed.
    Feed,
    /// The policy versions.
    Policies,
    /// A confirmed registry or ledger request, kept to check the answer against (boxed: the
    /// other entries are small).
    Ledger(Box<LedgerPlan>),
    /// The exchanges list.
    Exchanges,
    /// The complaint queue.
    Complaints,
    /// One case in full.
    ComplaintShow {
        /// Its complaint id.
        id: String,
    },
    /// A confirmed action on a case, kept to check the answer against.
    Case(Box<CasePlan>),
    /// The cases ready for a ruling (the complaint queue, for the cases screen).
    Cases,
    /// One case's replay.
    CaseReplay {
        /// Its complaint id.
        id: String,
    },
    /// A confirmed ruling signature, kept to check the answer against.
    Ruling(Box<RulingPlan>),
    /// A confirmed withdrawal of a proposal, kept to check the answer against.
    Withdraw(Box<WithdrawPlan>),
}

impl Pending {
    /// The screen that takes the answer; `None` for the status every screen shares.
    pub fn screen(&self) -> Option<Screen> {
        match self {
            Pending::Status => None,
            Pending::TimestampsRecent
            | Pending::TimestampsSearch { .. }
            | Pending::Stamp { .. } => Some(Screen::Timestamps),
            Pending::Checkpoints | Pending::Entries { .. } | Pending::Prove { .. } => {
                Some(Screen::Log)
            }
            Pending::Agreements { .. }
            | Pending::Parties { .. }
            | Pending::AgreementShow { .. }
            | Pending::PartyShow { .. }
            | Pending::Feed
            | Pending::Policies
            | Pending::Ledger(_) => Some(Screen::Agreements),
            Pending::Exchanges
            | Pending::Complaints
            | Pending::ComplaintShow { .. }
            | Pending::Case(_) => Some(Screen::Exchanges),
            Pending::Cases
            | Pending::CaseReplay { .. }
            | Pending::Ruling(_)
            | Pending::Withdraw(_) => Some(Screen::Cases),
        }
    }
}

/// How serious a status-line message is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoticeLevel {
    /// Information.
    Info,
    /// Something failed.
    Error,
}

/// The status line's message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    /// Info or error.
    pub level: NoticeLevel,
    /// The text (may hold server text: views sanitise it).
    pub text: String,
}

/// The console state.
#[derive(Clone, Debug)]
pub struct App {
    /// Who we are and which notary this is (from the handshake).
    pub hello: Hello,
    /// The checkpoint verifier key parsed from `hello`, or why it could not be parsed.
    pub checkpoint_key: Result<(String, VerifyingKey), String>,
    /// Styles.
    pub theme: Theme,
    /// The visible screen.
    pub screen: Screen,
    /// Latest dashboard figures.
    pub status: Option<Status>,
    /// The timestamps screen.
    pub timestamps: TimestampList,
    /// The log screen.
    pub log: LogView,
    /// The agreements screen and the live guarantee feed.
    pub agreements: AgreementsView,
    /// The exchanges and complaints screen.
    pub exchanges: ExchangesView,
    /// The cases screen with the replay stepper.
    pub cases: CasesView,
    /// What is drawn on top.
    pub overlay: Overlay,
    /// The status line.
    pub notice: Option<Notice>,
    /// False once the admin connection ended.
    pub connected: bool,
    /// Terminal size (columns, rows); list windows are computed from it.
    pub size: (u16, u16),
    /// Milliseconds since start, from the last tick.
    pub now_ms: u64,
    /// Set when the console should end.
    pub quit: bool,
    /// Request ids and what each outstanding request was for.
    pub requests: Requests<Pending>,
    /// When `Status` was last polled.
    pub last_status_poll_ms: Option<u64>,
    /// When the visible list was last polled.
    pub last_list_poll_ms: Option<u64>,
}

impl App {
    /// A fresh console for the notary described by `hello`; request ids start at
    /// `first_request_id` (the handshake used the ones before it).
    pub fn new(hello: Hello, first_request_id: u64, theme: Theme) -> Self {
        let checkpoint_key = crate::log::checkpoint::parse_vkey(&hello.checkpoint_vkey)
            .map_err(|e| format!("bad checkpoint key from the notary: {e}"));
        App {
            hello,
            checkpoint_key,
            theme,
            screen: Screen::Dashboard,
            status: None,
            timestamps: TimestampList::default(),
            log: LogView::default(),
            agreements: AgreementsView::default(),
            exchanges: ExchangesView::default(),
            cases: CasesView::default(),
            overlay: Overlay::None,
            notice: None,
            connected: true,
            size: (80, 24),
            now_ms: 0,
            quit: false,
            requests: Requests::new(first_request_id),
            last_status_poll_ms: None,
            last_list_poll_ms: None,
        }
    }

    /// Sets an informational status-line message.
    pub fn info(&mut self, text: impl Into<String>) {
        self.notice = Some(Notice {
            level: NoticeLevel::Info,
            text: text.into(),
        });
    }

    /// Sets an error status-line message.
    pub fn error(&mut self, text: impl Into<String>) {
        self.notice = Some(Notice {
            level: NoticeLevel::Error,
            text: text.into(),
        });
    }

    /// Sends `op`, remembered as `what`, unless the connection is gone.
    pub fn send(&mut self, what: Pending, op: Op, out: &mut Vec<Command>) {
        if self.connected {
            out.push(self.requests.issue(what, op, self.now_ms));
        }
    }

    /// Like [`App::send`], unless the same request is already on its way (a poll).
    pub fn ask(&mut self, what: Pending, op: Op, out: &mut Vec<Command>) {
        if !self.requests.in_flight(self.now_ms, |p| *p == what) {
            self.send(what, op, out);
        }
    }

    /// Opens the one-line prompt for `purpose`, holding `input`.
    pub fn open_prompt(&mut self, purpose: PromptPurpose, input: String) {
        self.overlay = Overlay::Prompt(Prompt { purpose, input });
    }
}
