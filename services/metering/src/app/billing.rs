//! From lifecycle events and rate cards to priced line items, in integer
//! minor units: a resource's billable time runs from its `created` to its
//! `deleted`, priced by the attributes of its latest `created`/`resized`,
//! split where a rate card takes over. Each line's amount is rounded half
//! up once, and a total is the sum of its lines, so they always add up.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

/// A lifecycle event as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    pub resource_id: String,
    pub project_id: String,
    /// `created`, `resized` or `deleted`.
    pub event: String,
    pub at: DateTime<Utc>,
    pub attributes: BTreeMap<String, String>,
}

impl From<crate::datastore::EventRow> for Event {
    fn from(r: crate::datastore::EventRow) -> Self {
        Event {
            resource_id: r.resource_id,
            project_id: r.project_id,
            event: r.event,
            at: r.at,
            attributes: r.attributes.0,
        }
    }
}

/// A stretch of a resource's life with one set of attributes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Segment {
    pub resource_id: String,
    pub project_id: String,
    pub attributes: BTreeMap<String, String>,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// Prices from `effective_from` until the next card's.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RateCard {
    pub id: i64,
    pub effective_from: DateTime<Utc>,
    pub currency: String,
    pub flavor_hour: BTreeMap<String, i64>,
    pub vcpu_hour: i64,
    pub ram_gb_hour: i64,
}

/// One priced stretch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    pub resource_id: String,
    pub project_id: String,
    pub flavor: String,
    pub rate_card: i64,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// Billable milliseconds.
    pub millis: i64,
    /// Minor units.
    pub amount: i64,
}

/// The segments of every resource in `events`, clipped to `[from, to)`.
/// Events may come in any order and twice; a resource never created in
/// them has no time.
pub fn segments(events: &[Event], from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Segment> {
    let mut by_resource: BTreeMap<&str, Vec<&Event>> = BTreeMap::new();
    for e in events {
        by_resource.entry(&e.resource_id).or_default().push(e);
    }
    let mut out = Vec::new();
    for (_, mut evs) in by_resource {
        // Same time: created before resized before deleted.
        let rank = |e: &Event| match e.event.as_str() {
            "created" => 0,
            "resized" => 1,
            _ => 2,
        };
        evs.sort_by_key(|e| (e.at, rank(e)));
        evs.dedup_by(|a, b| a.at == b.at && a.event == b.event);
        let mut open: Option<&Event> = None;
        let mut close = |start: &Event, end: DateTime<Utc>| {
            let (s, e) = (start.at.max(from), end.min(to));
            if s < e {
                out.push(Segment {
                    resource_id: start.resource_id.clone(),
                    project_id: start.project_id.clone(),
                    attributes: start.attributes.clone(),
                    start: s,
                    end: e,
                });
            }
        };
        for e in evs {
            match e.event.as_str() {
                "created" | "resized" => {
                    if let Some(o) = open.take() {
                        close(o, e.at);
                    }
                    open = Some(e);
                }
                _ => {
                    if let Some(o) = open.take() {
                        close(o, e.at);
                    }
                }
            }
        }
        if let Some(o) = open {
            close(o, to);
        }
    }
    out
}

/// The card in force at `t` (the latest that took effect by then).
fn card_at(cards: &[RateCard], t: DateTime<Utc>) -> Option<&RateCard> {
    cards
        .iter()
        .filter(|c| c.effective_from <= t)
        .max_by_key(|c| c.effective_from)
}

/// `num / den` rounded half up (both positive).
fn div_round(num: i128, den: i128) -> i64 {
    i64::try_from((num * 2 + den) / (den * 2)).unwrap_or(i64::MAX)
}

/// The price of a segment's attributes for `millis` under `card`.
fn amount(card: &RateCard, attrs: &BTreeMap<String, String>, millis: i64) -> i64 {
    let ms = i128::from(millis);
    if let Some(p) = attrs.get("flavor").and_then(|f| card.flavor_hour.get(f)) {
        return div_round(i128::from(*p) * ms, 3_600_000);
    }
    let num = |k: &str| {
        attrs
            .get(k)
            .and_then(|v| v.parse::<i128>().ok())
            .unwrap_or(0)
    };
    // Per hour: vCPUs × vcpu_hour + (RAM MiB / 1024) × ram_gb_hour.
    let per_hour_x1024 = num("vcpus") * i128::from(card.vcpu_hour) * 1024
        + num("ram_mb") * i128::from(card.ram_gb_hour);
    div_round(per_hour_x1024 * ms, 3_600_000 * 1024)
}

/// Prices segments: each split where another card takes effect; stretches
/// before the first card are not billed.
pub fn price(segments: &[Segment], cards: &[RateCard]) -> Vec<Line> {
    let mut out = Vec::new();
    for s in segments {
        let mut cuts: Vec<DateTime<Utc>> = cards
            .iter()
            .map(|c| c.effective_from)
            .filter(|t| *t > s.start && *t < s.end)
            .collect();
        cuts.sort();
        let mut start = s.start;
        for end in cuts.into_iter().chain(std::iter::once(s.end)) {
            if let Some(card) = card_at(cards, start) {
                let millis = (end - start).num_milliseconds();
                out.push(Line {
                    resource_id: s.resource_id.clone(),
                    project_id: s.project_id.clone(),
                    flavor: s.attributes.get("flavor").cloned().unwrap_or_default(),
                    rate_card: card.id,
                    start,
                    end,
                    millis,
                    amount: amount(card, &s.attributes, millis),
                });
            }
            start = end;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(h: i64, m: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + h * 3600 + m * 60, 0).expect("time")
    }

    fn ev(id: &str, kind: &str, at: DateTime<Utc>, flavor: &str) -> Event {
        let mut attributes = BTreeMap::new();
        attributes.insert("flavor".into(), flavor.into());
        attributes.insert("vcpus".into(), "2".into());
        attributes.insert("ram_mb".into(), "4096".into());
        Event {
            resource_id: id.into(),
            project_id: "p".into(),
            event: kind.into(),
            at,
            attributes,
        }
    }

    fn card(id: i64, from: DateTime<Utc>, small: i64) -> RateCard {
        RateCard {
            id,
            effective_from: from,
            currency: "EUR".into(),
            flavor_hour: [("small".to_owned(), small)].into_iter().collect(),
            vcpu_hour: 10,
            ram_gb_hour: 3,
        }
    }

    #[test]
    fn billable_time_runs_from_create_to_delete_to_the_second() {
        let events = vec![
            ev("a", "deleted", t(2, 30), "small"),
            ev("a", "created", t(0, 15), "small"),
            ev("a", "created", t(0, 15), "small"),
            ev("b", "created", t(1, 0), "big"),
        ];
        let s = segments(&events, t(0, 0), t(3, 0));
        assert_eq!(s.len(), 2);
        assert_eq!(
            (s[0].start, s[0].end),
            (t(0, 15), t(2, 30)),
            "duplicates count once"
        );
        assert_eq!(
            (s[1].start, s[1].end),
            (t(1, 0), t(3, 0)),
            "still running: to the period's end"
        );
        let clipped = segments(&events, t(1, 0), t(2, 0));
        assert_eq!((clipped[0].start, clipped[0].end), (t(1, 0), t(2, 0)));
    }

    #[test]
    fn a_resize_changes_the_price_from_its_time() {
        let events = vec![
            ev("a", "created", t(0, 0), "small"),
            ev("a", "resized", t(1, 0), "big"),
            ev("a", "deleted", t(2, 0), "big"),
        ];
        let lines = price(
            &segments(&events, t(0, 0), t(3, 0)),
            &[card(1, t(0, 0), 100)],
        );
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].amount, 100, "an hour of small at 100");
        // big is not listed: 2 vCPUs × 10 + 4 GiB × 3 = 32 an hour.
        assert_eq!(lines[1].amount, 32);
    }

    #[test]
    fn a_rate_card_applies_from_its_effective_time_and_lines_add_up() {
        let events = vec![
            ev("a", "created", t(0, 0), "small"),
            ev("a", "deleted", t(2, 0), "small"),
        ];
        let cards = [card(1, t(0, 0), 100), card(2, t(1, 30), 200)];
        let lines = price(&segments(&events, t(0, 0), t(3, 0)), &cards);
        let amounts: Vec<(i64, i64)> = lines.iter().map(|l| (l.rate_card, l.amount)).collect();
        assert_eq!(amounts, [(1, 150), (2, 100)]);
        let total: i64 = lines.iter().map(|l| l.amount).sum();
        assert_eq!(total, 250);
        // Before any card: nothing billed.
        let early = price(
            &segments(&events, t(0, 0), t(3, 0)),
            &[card(1, t(1, 0), 100)],
        );
        assert_eq!(early.iter().map(|l| l.amount).sum::<i64>(), 100);
    }

    #[test]
    fn amounts_round_half_up_once_per_line() {
        let events = vec![ev("a", "created", t(0, 0), "small")];
        // 1 minute at 30 an hour = 0.5 → 1.
        let lines = price(
            &segments(&events, t(0, 0), t(0, 1)),
            &[card(1, t(0, 0), 30)],
        );
        assert_eq!(lines[0].amount, 1);
        assert_eq!(lines[0].millis, 60_000);
    }
}
