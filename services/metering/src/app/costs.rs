//! Costs so far: what a project (or, for admins, every project) used in a
//! period, priced by the rate cards exactly as an invoice's lines are, day
//! by day and by resource type — the console's "this month" figure and its
//! daily bars, without making an invoice.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, NaiveTime, TimeZone, Utc};
use stratus_auth::TokenClaims;
use stratus_common::Error;

use super::App;
use super::billing::{self, Event, HourBytes, Line, RateCard};

/// The longest period one query prices.
pub const MAX_DAYS: i64 = 366;

/// One day's charges by resource type, in minor units.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Day {
    pub start: DateTime<Utc>,
    pub by_type: BTreeMap<String, i64>,
}

impl Day {
    pub fn total(&self) -> i64 {
        self.by_type.values().sum()
    }
}

/// A period's costs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Costs {
    pub currency: Option<String>,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub days: Vec<Day>,
}

/// Midnight (UTC) starting `t`'s day.
fn midnight(t: DateTime<Utc>) -> DateTime<Utc> {
    Utc.from_utc_datetime(&t.date_naive().and_time(NaiveTime::MIN))
}

/// The start of `t`'s month (UTC).
pub fn month_start(t: DateTime<Utc>) -> DateTime<Utc> {
    midnight(t) - Duration::days(i64::from(t.day0()))
}

/// Prices `events` and egress `hours` under `cards` for every UTC day that
/// meets `[start, end)`, each day clipped to the period.
pub fn daily(
    events: &[Event],
    hours: &[HourBytes],
    cards: &[RateCard],
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Vec<Day> {
    let mut days = Vec::new();
    let mut day = midnight(start);
    while day < end {
        let (from, to) = (day.max(start), (day + Duration::days(1)).min(end));
        let mut d = Day {
            start: day,
            by_type: BTreeMap::new(),
        };
        let lines: Vec<Line> = billing::price(&billing::segments(events, from, to), cards);
        // An egress hour counts on the day it starts in.
        let egress: Vec<HourBytes> = hours
            .iter()
            .filter(|h| h.hour >= from && h.hour < to)
            .cloned()
            .collect();
        for l in lines.iter().chain(&billing::price_egress(&egress, cards)) {
            *d.by_type.entry(l.resource_type.clone()).or_default() += l.amount;
        }
        days.push(d);
        day += Duration::days(1);
    }
    days
}

impl App {
    /// What the caller may see of `[start, end)` (this month so far by
    /// default), priced day by day.
    pub async fn costs(
        &self,
        caller: &TokenClaims,
        project_id: Option<&str>,
        start: Option<DateTime<Utc>>,
        end: Option<DateTime<Utc>>,
    ) -> Result<Costs, Error> {
        let project = super::policy::readable(caller, project_id)?;
        let end = end.unwrap_or_else(Utc::now);
        let start = start.unwrap_or_else(|| month_start(end));
        if end <= start {
            return Err(Error::bad_request("Invalid end: it must be after start."));
        }
        if end - start > Duration::days(MAX_DAYS) {
            return Err(Error::bad_request(format!(
                "Invalid end: a period of costs is at most {MAX_DAYS} days."
            )));
        }
        let usage = self.period_usage(project, start, end).await?;
        let events: Vec<Event> = usage
            .events
            .values()
            .flatten()
            .cloned()
            .map(Event::from)
            .collect();
        let hours: Vec<HourBytes> = usage
            .hours
            .values()
            .flatten()
            .map(|h| HourBytes {
                resource_id: h.resource_id.clone(),
                project_id: h.project_id.clone(),
                hour: h.hour,
                bytes: h.total,
            })
            .collect();
        Ok(Costs {
            currency: usage.currency(),
            start,
            end,
            days: daily(&events, &hours, &usage.cards, start, end),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, d, h, 0, 0)
            .single()
            .expect("time")
    }

    fn card() -> RateCard {
        RateCard {
            id: 1,
            effective_from: t(1, 0),
            currency: "EUR".into(),
            flavor_hour: [("small".to_owned(), 10)].into_iter().collect(),
            prices: [
                ("floating_ip_hour".to_owned(), 1),
                ("egress_gb".to_owned(), 100),
            ]
            .into_iter()
            .collect(),
        }
    }

    fn held(id: &str, kind: &str, event: &str, at: DateTime<Utc>) -> Event {
        Event {
            resource_id: id.into(),
            resource_type: kind.into(),
            project_id: "p".into(),
            event: event.into(),
            at,
            attributes: [("flavor".to_owned(), "small".to_owned())]
                .into_iter()
                .collect(),
        }
    }

    #[test]
    fn the_month_starts_on_its_first_day_at_midnight() {
        assert_eq!(month_start(t(17, 13)), t(1, 0));
        assert_eq!(month_start(t(1, 0)), t(1, 0));
    }

    #[test]
    fn each_day_is_priced_on_its_own_and_by_type() {
        let events = [
            // An instance from 1st 12:00 to 3rd 06:00: 12 h, 24 h, 6 h at 10.
            held("a", "instance", "created", t(1, 12)),
            held("a", "instance", "deleted", t(3, 6)),
            // A floating IP all of the 2nd at 1 an hour.
            held("f", "floating_ip", "created", t(2, 0)),
            held("f", "floating_ip", "deleted", t(3, 0)),
        ];
        let gib = 1_i64 << 30;
        let hours = [HourBytes {
            resource_id: "a".into(),
            project_id: "p".into(),
            hour: t(2, 5),
            bytes: gib,
        }];
        // The period ends at 3rd 12:00, part-way through its last day.
        let days = daily(&events, &hours, &[card()], t(1, 0), t(3, 12));
        let got: Vec<(DateTime<Utc>, i64, Option<&i64>)> = days
            .iter()
            .map(|d| (d.start, d.total(), d.by_type.get("floating_ip")))
            .collect();
        assert_eq!(
            got,
            [
                (t(1, 0), 120, None),
                (t(2, 0), 240 + 100 + 24, Some(&24)),
                (t(3, 0), 60, None),
            ]
        );
        assert_eq!(days[1].by_type["instance"], 340, "time and egress");
    }

    #[test]
    fn nothing_before_the_first_card_and_empty_days_are_zero() {
        let events = [held("a", "instance", "created", t(1, 0))];
        let mut c = card();
        c.effective_from = t(2, 0);
        let days = daily(&events, &[], &[c], t(1, 0), t(3, 0));
        assert_eq!(days.iter().map(Day::total).collect::<Vec<_>>(), [0, 240]);
    }
}
