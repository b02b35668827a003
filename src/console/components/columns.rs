//! A table's header and column widths, built column by column, where some columns appear only
//! on wide terminals: the one place the screens' tables decide their shape.

use ratatui::layout::Constraint;
use ratatui::style::Style;
use ratatui::widgets::{Block, Row, Table};

/// Header names and widths of a table being laid out.
pub struct Columns {
    wide: bool,
    header: Vec<&'static str>,
    widths: Vec<Constraint>,
}

impl Columns {
    /// No columns yet; `wide` says whether wide-only columns are shown.
    pub fn new(wide: bool) -> Self {
        Columns {
            wide,
            header: Vec::new(),
            widths: Vec::new(),
        }
    }

    /// A column always shown.
    pub fn col(mut self, name: &'static str, width: Constraint) -> Self {
        self.header.push(name);
        self.widths.push(width);
        self
    }

    /// A column shown only on wide terminals.
    pub fn wide_col(self, name: &'static str, width: Constraint) -> Self {
        if self.wide {
            self.col(name, width)
        } else {
            self
        }
    }

    /// The table of `rows` under this header.
    pub fn table<'a>(self, rows: Vec<Row<'a>>, header_style: Style, block: Block<'a>) -> Table<'a> {
        Table::new(rows, self.widths)
            .header(Row::new(self.header).style(header_style))
            .block(block)
    }
}
