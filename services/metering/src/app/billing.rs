//! From lifecycle events, hourly egress and rate cards to priced line
//! items, in integer minor units. A resource's billable time runs from its
//! `created` to its `deleted`, priced by the attributes of its latest
//! `created`/`resized` (an instance's flavor or vCPUs and RAM, a volume's or
//! snapshot's GiB, an image's bytes; a floating IP or router by the hour),
//! split where a rate card takes over. An instance's egress is priced per
//! GiB from its hourly roll-ups, each hour by the card in force at its
//! start. Each line's amount is rounded half up once, and a total is the
//! sum of its lines, so they always add up.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};

/// A lifecycle event as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    pub resource_id: String,
    /// `instance`, `volume`, `snapshot`, `image`, `floating_ip`, `router`.
    pub resource_type: String,
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
            resource_type: r.resource_type,
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
    pub resource_type: String,
    pub project_id: String,
    pub attributes: BTreeMap<String, String>,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// The prices a rate card may set besides flavors, with what each is per.
pub const PRICES: &[(&str, &str)] = &[
    (
        "vcpu_hour",
        "per vCPU-hour of an instance whose flavor is not listed",
    ),
    (
        "ram_gb_hour",
        "per GiB-hour of RAM of an instance whose flavor is not listed",
    ),
    ("volume_gb_month", "per GiB-month (730 hours) of a volume"),
    (
        "snapshot_gb_month",
        "per GiB-month (730 hours) of a volume snapshot",
    ),
    (
        "image_gb_month",
        "per GiB-month (730 hours) of a stored image",
    ),
    ("floating_ip_hour", "per hour a floating IP is held"),
    ("router_hour", "per hour a router is held"),
    ("egress_gb", "per GiB an instance sends"),
];

/// Prices from `effective_from` until the next card's.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RateCard {
    pub id: i64,
    pub effective_from: DateTime<Utc>,
    pub currency: String,
    pub flavor_hour: BTreeMap<String, i64>,
    /// Keyed by [`PRICES`]; a price not set is 0.
    pub prices: BTreeMap<String, i64>,
}

impl RateCard {
    fn price(&self, key: &str) -> i128 {
        i128::from(self.prices.get(key).copied().unwrap_or(0))
    }
}

/// One priced line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    pub resource_id: String,
    pub resource_type: String,
    pub project_id: String,
    /// An instance's flavor; empty for other resources.
    pub flavor: String,
    /// `time` (held from start to end) or `egress` (bytes sent).
    pub charge: &'static str,
    /// How much was held or sent, in `unit`: 1 instance, GiB of a volume,
    /// bytes of an image or of egress.
    pub quantity: i64,
    pub unit: String,
    pub rate_card: i64,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// Billable milliseconds (0 for egress).
    pub millis: i64,
    /// Minor units.
    pub amount: i64,
}

const HOUR_MS: i128 = 3_600_000;
const MONTH_MS: i128 = 730 * HOUR_MS;
const GIB: i128 = 1 << 30;

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
                    resource_type: start.resource_type.clone(),
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

/// `num / den` rounded half up (both non-negative; den positive).
fn div_round(num: i128, den: i128) -> i64 {
    i64::try_from(num.saturating_mul(2).saturating_add(den) / (den * 2)).unwrap_or(i64::MAX)
}

/// A whole-number attribute (0 when absent or not a number).
fn num(attrs: &BTreeMap<String, String>, key: &str) -> i128 {
    attrs
        .get(key)
        .and_then(|v| v.parse::<i128>().ok())
        .filter(|n| *n >= 0)
        .unwrap_or(0)
}

/// What a segment holds (quantity, unit) and its price for `millis` under
/// `card`.
fn time_amount(card: &RateCard, s: &Segment, millis: i64) -> (i64, String, i64) {
    let ms = i128::from(millis);
    let a = &s.attributes;
    let q = |n: i128| i64::try_from(n).unwrap_or(i64::MAX);
    match s.resource_type.as_str() {
        "volume" | "snapshot" => {
            let gb = num(a, "size_gb");
            let key = format!("{}_gb_month", s.resource_type);
            let amount = div_round(
                card.price(&key).saturating_mul(gb).saturating_mul(ms),
                MONTH_MS,
            );
            (q(gb), "GiB".into(), amount)
        }
        "image" => {
            let bytes = num(a, "size_bytes");
            let amount = div_round(
                card.price("image_gb_month")
                    .saturating_mul(bytes)
                    .saturating_mul(ms),
                MONTH_MS * GIB,
            );
            (q(bytes), "B".into(), amount)
        }
        "floating_ip" | "router" => {
            let key = format!("{}_hour", s.resource_type);
            let amount = div_round(card.price(&key).saturating_mul(ms), HOUR_MS);
            (1, s.resource_type.clone(), amount)
        }
        _ => {
            if let Some(p) = a.get("flavor").and_then(|f| card.flavor_hour.get(f)) {
                return (
                    1,
                    "instance".into(),
                    div_round(i128::from(*p) * ms, HOUR_MS),
                );
            }
            // Per hour: vCPUs × vcpu_hour + (RAM MiB / 1024) × ram_gb_hour.
            let per_hour_x1024 = num(a, "vcpus") * card.price("vcpu_hour") * 1024
                + num(a, "ram_mb") * card.price("ram_gb_hour");
            (
                1,
                "instance".into(),
                div_round(per_hour_x1024.saturating_mul(ms), HOUR_MS * 1024),
            )
        }
    }
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
                let (quantity, unit, amount) = time_amount(card, s, millis);
                out.push(Line {
                    resource_id: s.resource_id.clone(),
                    resource_type: s.resource_type.clone(),
                    project_id: s.project_id.clone(),
                    flavor: s.attributes.get("flavor").cloned().unwrap_or_default(),
                    charge: "time",
                    quantity,
                    unit,
                    rate_card: card.id,
                    start,
                    end,
                    millis,
                    amount,
                });
            }
            start = end;
        }
    }
    out
}

/// Bytes an instance sent in one hour (its roll-up of
/// `network.outgoing.bytes`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HourBytes {
    pub resource_id: String,
    pub project_id: String,
    pub hour: DateTime<Utc>,
    pub bytes: i64,
}

/// Prices egress: one line per instance and rate card, each hour by the
/// card in force at its start (hours before the first card are free).
pub fn price_egress(hours: &[HourBytes], cards: &[RateCard]) -> Vec<Line> {
    let mut by: BTreeMap<(&str, i64), Line> = BTreeMap::new();
    for h in hours {
        let Some(card) = card_at(cards, h.hour) else {
            continue;
        };
        let line = by
            .entry((h.resource_id.as_str(), card.id))
            .or_insert_with(|| Line {
                resource_id: h.resource_id.clone(),
                resource_type: "instance".into(),
                project_id: h.project_id.clone(),
                flavor: String::new(),
                charge: "egress",
                quantity: 0,
                unit: "B".into(),
                rate_card: card.id,
                start: h.hour,
                end: h.hour + Duration::hours(1),
                millis: 0,
                amount: 0,
            });
        line.quantity = line.quantity.saturating_add(h.bytes.max(0));
        line.start = line.start.min(h.hour);
        line.end = line.end.max(h.hour + Duration::hours(1));
    }
    let mut out: Vec<Line> = by.into_values().collect();
    for l in &mut out {
        let price = cards
            .iter()
            .find(|c| c.id == l.rate_card)
            .map_or(0, |c| c.price("egress_gb"));
        l.amount = div_round(price.saturating_mul(i128::from(l.quantity)), GIB);
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
            resource_type: "instance".into(),
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
            prices: [
                ("vcpu_hour", 10),
                ("ram_gb_hour", 3),
                ("volume_gb_month", 73),
                ("snapshot_gb_month", 146),
                ("image_gb_month", 730),
                ("floating_ip_hour", 4),
                ("router_hour", 6),
                ("egress_gb", 9),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect(),
        }
    }

    fn held(id: &str, kind: &str, event: &str, at: DateTime<Utc>, attrs: &[(&str, &str)]) -> Event {
        Event {
            resource_id: id.into(),
            resource_type: kind.into(),
            project_id: "p".into(),
            event: event.into(),
            at,
            attributes: attrs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        }
    }

    #[test]
    fn held_resources_are_priced_by_size_and_time() {
        let events = vec![
            // 10 GiB for 10 h, then 20 GiB for 10 h: 73 per GiB-month of
            // 730 h is 0.1 per GiB-hour → 10 + 20.
            held("v", "volume", "created", t(0, 0), &[("size_gb", "10")]),
            held("v", "volume", "resized", t(10, 0), &[("size_gb", "20")]),
            held("v", "volume", "deleted", t(20, 0), &[]),
            // 5 GiB for 20 h at 0.2 per GiB-hour → 20.
            held("s", "snapshot", "created", t(0, 0), &[("size_gb", "5")]),
            // 512 MiB for 20 h at 1 per GiB-hour → 10.
            held(
                "i",
                "image",
                "created",
                t(0, 0),
                &[("size_bytes", "536870912")],
            ),
            // 2 h 30 min at 4 an hour → 10; a router 20 h at 6 → 120.
            held("f", "floating_ip", "created", t(1, 0), &[]),
            held("f", "floating_ip", "deleted", t(3, 30), &[]),
            held("r", "router", "created", t(0, 0), &[]),
        ];
        let lines = price(
            &segments(&events, t(0, 0), t(20, 0)),
            &[card(1, t(0, 0), 100)],
        );
        let got: Vec<(&str, i64, &str, i64)> = lines
            .iter()
            .map(|l| {
                (
                    l.resource_id.as_str(),
                    l.quantity,
                    l.unit.as_str(),
                    l.amount,
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("f", 1, "floating_ip", 10),
                ("i", 536_870_912, "B", 10),
                ("r", 1, "router", 120),
                ("s", 5, "GiB", 20),
                ("v", 10, "GiB", 10),
                ("v", 20, "GiB", 20),
            ]
        );
    }

    #[test]
    fn egress_is_priced_per_gib_by_the_card_of_each_hour() {
        let gib = 1_i64 << 30;
        let hour = |h: i64, bytes: i64| HourBytes {
            resource_id: "a".into(),
            project_id: "p".into(),
            hour: t(h, 0),
            bytes,
        };
        let cards = [card(1, t(0, 0), 100), {
            let mut c = card(2, t(2, 0), 100);
            c.prices.insert("egress_gb".into(), 20);
            c
        }];
        let hours = [
            hour(0, gib),
            hour(1, gib / 2),
            hour(2, gib),
            hour(3, gib / 4),
        ];
        let lines = price_egress(&hours, &cards);
        let got: Vec<(i64, i64, i64)> = lines
            .iter()
            .map(|l| (l.rate_card, l.quantity, l.amount))
            .collect();
        // 1.5 GiB at 9 = 13.5 → 14; 1.25 GiB at 20 = 25.
        assert_eq!(got, [(1, gib + gib / 2, 14), (2, gib + gib / 4, 25)]);
        assert_eq!((lines[0].start, lines[0].end), (t(0, 0), t(2, 0)));
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
