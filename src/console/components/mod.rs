//! Pieces the screens share: the selectable list, the trusted confirmation dialog, the prompt,
//! the help box, and the layout and text helpers of the views.

pub mod columns;
pub mod confirm;
pub mod help;
pub mod layout;
pub mod list;
pub mod prompt;
pub mod text;
