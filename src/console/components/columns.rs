//! A table's header, column widths and rows, built column by column, where some columns appear
//! only on wide terminals: the one place the screens' tables decide their shape.

use ratatui::layout::Constraint;
use ratatui::style::Style;
use ratatui::widgets::{Block, Cell, Row, Table};

/// Header names and widths of a table being laid out.
pub struct Columns {
    wide: bool,
    /// For every column declared, whether it is shown.
    shown: Vec<bool>,
    header: Vec<&'static str>,
    widths: Vec<Constraint>,
}

impl Columns {
    /// No columns yet; `wide` says whether wide-only columns are shown.
    pub fn new(wide: bool) -> Self {
        Columns {
            wide,
            shown: Vec::new(),
            header: Vec::new(),
            widths: Vec::new(),
        }
    }

    /// A column always shown.
    pub fn col(self, name: &'static str, width: Constraint) -> Self {
        self.column(true, name, width)
    }

    /// A column shown only on wide terminals.
    pub fn wide_col(self, name: &'static str, width: Constraint) -> Self {
        let wide = self.wide;
        self.column(wide, name, width)
    }

    fn column(mut self, shown: bool, name: &'static str, width: Constraint) -> Self {
        self.shown.push(shown);
        if shown {
            self.header.push(name);
            self.widths.push(width);
        }
        self
    }

    /// The width the `Min` column gets in a table `inner` columns wide: what the shown
    /// columns' lengths and the one-column gaps between them leave.
    pub fn room(&self, inner: u16) -> usize {
        let fixed: u16 = self
            .widths
            .iter()
            .map(|w| match w {
                Constraint::Length(n) => *n,
                _ => 0,
            })
            .sum();
        let gaps = u16::try_from(self.widths.len().saturating_sub(1)).unwrap_or(u16::MAX);
        usize::from(inner.saturating_sub(fixed.saturating_add(gaps)))
    }

    /// A row of `cells`, one per column declared; those of hidden columns are left out.
    pub fn row<'a>(&self, cells: impl IntoIterator<Item = Cell<'a>>) -> Row<'a> {
        let shown = cells
            .into_iter()
            .zip(&self.shown)
            .filter_map(|(cell, shown)| shown.then_some(cell));
        Row::new(shown)
    }

    /// Rows for the first `rows` of `items` (a table without a selection): `cells` gives a
    /// record's cells, one a declared column; a record `emphasis` gives a style stands out.
    pub fn rows_of<'a, T, C>(
        &self,
        items: &[T],
        rows: usize,
        cells: impl Fn(&T) -> C,
        emphasis: impl Fn(&T) -> Option<Style>,
    ) -> Vec<Row<'a>>
    where
        C: IntoIterator<Item = Cell<'a>>,
    {
        let row = |item: &T| {
            let row = self.row(cells(item));
            match emphasis(item) {
                Some(style) => row.style(style),
                None => row,
            }
        };
        items.iter().take(rows).map(row).collect()
    }

    /// The table of `rows` under this header.
    pub fn table<'a>(self, rows: Vec<Row<'a>>, header_style: Style, block: Block<'a>) -> Table<'a> {
        Table::new(rows, self.widths)
            .header(Row::new(self.header).style(header_style))
            .block(block)
    }
}
