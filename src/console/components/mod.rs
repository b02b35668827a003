//! Pieces the screens share, none of which knows a screen: the selectable list, the trusted
//! confirmation dialog and its framed box, the prompt, the help box, and the layout, table and
//! text helpers of the views.

pub mod columns;
pub mod confirm;
pub mod dialog;
pub mod help;
pub mod layout;
pub mod list;
pub mod prompt;
pub mod text;
