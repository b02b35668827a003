//! The trusted confirmation dialog's state: what the notary is about to sign, which button has
//! the focus, and whether the arbitrator has seen it. Every action that makes the notary sign
//! goes through a [`ConfirmDialog`]; the request is built from the dialog's own plan, so what
//! is sent is what was shown. The screens say what their plans sign through [`Signable`].

pub mod view;

use crate::api::admin::proto::{Hello, Op};

/// Why a confirmation was refused: part of what would be signed has not been on screen.
/// (Short enough for the status line at 80 columns.)
pub const NOT_READ: &str = "Read to the last line (↓ PgDn) first: nothing signed";

/// Why a confirmed request was not sent: the connection is gone.
pub const NOT_CONNECTED: &str = "not connected to the notary: nothing was signed";

/// The dialog's buttons. The focus starts on `Cancel`, so a stray `Enter` signs nothing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Focus {
    /// Do not sign.
    #[default]
    Cancel,
    /// Sign.
    Sign,
}

/// Something the notary would sign, as the dialog shows it and as the request sends it.
pub trait Signable {
    /// The fixed sentence saying what kind of signature this is.
    fn headline(&self) -> &'static str;

    /// Everything that will be signed or bound to the signature, sanitised, in order.
    fn fields(&self, hello: &Hello) -> Vec<Field>;

    /// The request this plan authorises.
    fn op(&self) -> Op;

    /// True when the notary signs something for it; false for a record kept without a
    /// signature (taking a case, a note): the frame then says "record", not "sign". No default,
    /// so no plan (or wrapper of plans) can leave it unsaid.
    fn signs(&self) -> bool;
}

/// One labelled line of the dialog; `value` is already sanitised.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    /// Fixed label.
    pub label: &'static str,
    /// Sanitised value (control and bidi characters made visible).
    pub value: String,
}

/// The dialog over a plan `P`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfirmDialog<P> {
    /// What would be signed.
    pub plan: P,
    /// The focused button.
    pub focus: Focus,
    /// First content line shown (for content taller than the frame).
    pub scroll: usize,
    /// True once the dialog has been drawn: keys typed before that do not confirm.
    pub armed: bool,
    /// True once every line has been on screen (the last one drawn): a dialog taller than the
    /// terminal does not confirm until the arbitrator has scrolled to its end.
    pub read_all: bool,
}

impl<P: Signable> ConfirmDialog<P> {
    /// A dialog for `plan`, focus on Cancel, not yet armed nor read.
    pub fn new(plan: P) -> Self {
        ConfirmDialog {
            plan,
            focus: Focus::Cancel,
            scroll: 0,
            armed: false,
            read_all: false,
        }
    }

    /// The fixed sentence saying what kind of signature this is.
    pub fn headline(&self) -> &'static str {
        self.plan.headline()
    }

    /// Everything that will be signed or bound to the signature, sanitised, in order.
    pub fn fields(&self, hello: &Hello) -> Vec<Field> {
        self.plan.fields(hello)
    }

    /// The request this dialog authorises.
    pub fn op(&self) -> Op {
        self.plan.op()
    }

    /// Moves the focus to the other button.
    pub fn toggle_focus(&mut self) {
        self.focus = match self.focus {
            Focus::Cancel => Focus::Sign,
            Focus::Sign => Focus::Cancel,
        };
    }

    /// Scrolls the content by `delta` lines (the view clamps it to the content).
    pub fn scroll_by(&mut self, delta: i32) {
        self.scroll = self.scroll.saturating_add_signed(delta as isize);
    }
}
