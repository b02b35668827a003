//! The dashboard's activity chart: timestamps, guarantees granted and exchanges decided per
//! second over the last minutes, one sparkline each, newest at the right. Each series is
//! labelled in text with its peak, so it reads without colour; the frame's caption says how
//! many seconds are shown.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Span;
use ratatui::widgets::{RenderDirection, Sparkline};
use ratatui::Frame;

use crate::api::admin::proto::Activity;
use crate::console::components::text::group_digits;
use crate::console::theme::Theme;

/// Width of the series' names, the same as the figures' labels above.
const LABEL_WIDTH: u16 = 14;
/// Width of the peak text at the right.
const PEAK_WIDTH: u16 = 12;
/// The series, as labelled.
const SERIES: usize = 3;

/// The chart laid out in its area: nothing when there is no room for every series.
pub struct Chart<'a> {
    series: [(&'static str, &'a [u32]); SERIES],
    bands: Option<[Rect; SERIES]>,
}

impl<'a> Chart<'a> {
    /// The chart of `activity` in `area`: one band per series, as tall as the area allows.
    pub fn new(activity: &'a Activity, area: Rect) -> Self {
        let series = [
            ("Stamps/s", activity.stamps.as_slice()),
            ("Guarantees/s", activity.guarantees.as_slice()),
            ("Exchanges/s", activity.exchanges.as_slice()),
        ];
        let room = area.height >= SERIES as u16 && area.width > LABEL_WIDTH + PEAK_WIDTH;
        // A blank row between the series once each can be three rows tall.
        let spacing = u16::from(area.height >= 3 * SERIES as u16 + 2);
        let bands = room.then(|| {
            Layout::vertical([Constraint::Fill(1); SERIES])
                .spacing(spacing)
                .areas(area)
        });
        Chart { series, bands }
    }

    /// Seconds shown: the bars that fit, at most the history the notary sent.
    fn seconds_shown(&self) -> Option<usize> {
        let width = usize::from(
            self.bands?[0]
                .width
                .saturating_sub(LABEL_WIDTH + PEAK_WIDTH),
        );
        let longest = self.series.iter().map(|(_, s)| s.len()).max().unwrap_or(0);
        Some(width.min(longest))
    }

    /// What the bars mean, for the frame under the chart; `None` when nothing is drawn.
    pub fn caption(&self) -> Option<String> {
        let shown = self.seconds_shown()?;
        Some(format!(
            " Activity: one bar per second, last {shown} s, newest at the right "
        ))
    }

    /// Draws the series into their bands.
    pub fn render(&self, theme: &Theme, frame: &mut Frame) {
        let Some(bands) = self.bands else {
            return;
        };
        for ((label, data), band) in self.series.iter().zip(bands) {
            let [name, bars, peak] = Layout::horizontal([
                Constraint::Length(LABEL_WIDTH),
                Constraint::Min(0),
                Constraint::Length(PEAK_WIDTH),
            ])
            .areas(band);
            frame.render_widget(Span::styled(*label, theme.label), name);
            let shown = &data[data.len().saturating_sub(usize::from(bars.width))..];
            let sparkline = Sparkline::default()
                .data(shown.iter().rev().map(|c| u64::from(*c)))
                .direction(RenderDirection::RightToLeft)
                .style(theme.label);
            frame.render_widget(sparkline, bars);
            let peak_count = shown.iter().max().copied().unwrap_or(0);
            let text = format!(" peak {}", group_digits(u64::from(peak_count)));
            frame.render_widget(Span::raw(text), peak);
        }
    }
}
