//! Rate cards (admins) and invoices: a draft per project and period, priced
//! afresh from the lifecycle events and rate cards whenever it is read;
//! closing stores its lines and total, and it never changes after.
//! Members and readers see their own project's invoices only.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use stratus_api::metering::{InvoiceCreate, Period, RateCardCreate};
use stratus_auth::TokenClaims;
use stratus_common::Error;
use uuid::Uuid;

use super::App;
use super::billing::{self, RateCard};
use crate::datastore::{self as ds, Invoice, LineRow, RateCardRow};

use super::policy::admin;

fn invalid(field: &str, why: impl std::fmt::Display) -> Error {
    Error::bad_request(format!("Invalid {field}: {why}"))
}

/// A time in RFC 3339.
pub fn time(field: &str, s: &str) -> Result<DateTime<Utc>, Error> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| invalid(field, format!("{s:?} is not an RFC 3339 time")))
}

/// A price: a whole number of minor units, never negative (fractions do
/// not deserialize).
fn minor(field: &str, v: i64) -> Result<i64, Error> {
    if v >= 0 {
        Ok(v)
    } else {
        Err(invalid(
            field,
            format!("{v} is not a non-negative whole number of minor units"),
        ))
    }
}

fn card_of(r: &RateCardRow) -> RateCard {
    RateCard {
        id: r.id,
        effective_from: r.effective_from,
        currency: r.currency.clone(),
        flavor_hour: r.flavor_hour.0.clone(),
        prices: r.prices.0.clone(),
    }
}

fn not_found(id: &str) -> Error {
    Error::not_found(format!("Invoice {id} could not be found."))
}

impl App {
    pub async fn rate_card_create(
        &self,
        caller: &TokenClaims,
        body: &RateCardCreate,
    ) -> Result<RateCardRow, Error> {
        admin(caller)?;
        let effective_from = time("effective_from", &body.effective_from)?;
        let currency = Some(body.currency.clone())
            .filter(|c| c.len() == 3 && c.chars().all(|ch| ch.is_ascii_uppercase()))
            .ok_or_else(|| invalid("currency", "an ISO 4217 code such as EUR is required"))?;
        let mut flavor_hour = BTreeMap::new();
        for (k, v) in &body.flavor_hour {
            flavor_hour.insert(k.clone(), minor(&format!("flavor_hour.{k}"), *v)?);
        }
        let mut prices = BTreeMap::new();
        for (k, p) in body.prices() {
            prices.insert(
                k.to_owned(),
                p.map(|v| minor(k, v)).transpose()?.unwrap_or(0),
            );
        }
        let row = RateCardRow {
            id: 0,
            effective_from,
            currency: currency.clone(),
            flavor_hour: sqlx::types::Json(flavor_hour),
            prices: sqlx::types::Json(prices),
            created_at: Utc::now(),
        };
        let cards = ds::rate_cards(&self.pool).await?;
        if cards.iter().any(|c| c.currency != currency) {
            return Err(Error::conflict(
                "Every rate card must be in one currency (the first card's).",
            ));
        }
        // A card may not reach back into a closed invoice's period.
        let closed = ds::invoices(&self.pool, None).await?;
        if let Some(i) = closed
            .iter()
            .find(|i| i.status == "closed" && i.period_end > effective_from)
        {
            return Err(Error::conflict(format!(
                "Invoice {} is closed up to {}; a rate card cannot take effect before that.",
                i.id, i.period_end
            )));
        }
        ds::rate_card_insert(&self.pool, &row)
            .await?
            .ok_or_else(|| {
                Error::conflict(format!(
                    "A rate card takes effect at {effective_from} already."
                ))
            })
    }

    pub async fn rate_card_list(&self) -> Result<Vec<RateCardRow>, Error> {
        ds::rate_cards(&self.pool).await.map_err(Error::from)
    }

    pub async fn invoice_create(
        &self,
        caller: &TokenClaims,
        body: &InvoiceCreate,
    ) -> Result<Invoice, Error> {
        admin(caller)?;
        let project_id = Some(body.project_id.clone())
            .filter(|p| !p.is_empty() && p.len() <= 64)
            .ok_or_else(|| invalid("project_id", "a project id is required"))?;
        let (period_start, period_end) = period(&body.period_start, &body.period_end)?;
        let inv = draft(project_id, period_start, period_end);
        ds::invoice_insert(&self.pool, &inv)
            .await?
            .ok_or_else(|| Error::conflict("That project has an invoice for that period already."))
    }

    /// An invoice the caller may see, with its lines (priced now if draft).
    pub async fn invoice_get(
        &self,
        caller: &TokenClaims,
        id: &str,
    ) -> Result<(Invoice, Vec<LineRow>, Option<String>), Error> {
        let uid = Uuid::parse_str(id).map_err(|_| not_found(id))?;
        let inv = ds::invoice_get(&self.pool, uid)
            .await?
            .filter(|i| caller.owns(i.project_id.as_str()))
            .ok_or_else(|| not_found(id))?;
        if inv.status == "closed" {
            let lines = ds::invoice_lines(&self.pool, uid).await?;
            let currency = inv.currency.clone();
            return Ok((inv, lines, currency));
        }
        let (lines, currency) = self.price_period(&inv).await?;
        Ok((inv, lines, currency))
    }

    pub async fn invoice_list(&self, caller: &TokenClaims) -> Result<Vec<Invoice>, Error> {
        let project = if caller.is_admin() {
            None
        } else {
            Some(super::policy::project(caller)?)
        };
        ds::invoices(&self.pool, project).await.map_err(Error::from)
    }

    /// Prices a draft for the last time and stores it; closed for good.
    pub async fn invoice_close(&self, caller: &TokenClaims, id: &str) -> Result<Invoice, Error> {
        admin(caller)?;
        let uid = Uuid::parse_str(id).map_err(|_| not_found(id))?;
        let mut tx = self.pool.begin().await?;
        let inv = ds::invoice_lock(&mut *tx, uid)
            .await?
            .ok_or_else(|| not_found(id))?;
        if inv.status == "closed" {
            return Err(Error::conflict(format!(
                "Invoice {id} is closed; it cannot change."
            )));
        }
        let (lines, currency) = self.price_period(&inv).await?;
        close_with(&mut tx, uid, &lines, currency.as_deref()).await?;
        tx.commit().await?;
        ds::invoice_get(&self.pool, uid)
            .await?
            .ok_or_else(|| not_found(id))
    }

    /// Invoices every project that used anything in `[start, end)` and
    /// closes them, in one transaction: drafts already open are closed,
    /// projects closed for the period already are left alone. How many
    /// were closed and their totals (one currency).
    pub async fn close_period(
        &self,
        caller: &TokenClaims,
        body: &Period,
    ) -> Result<(usize, i64, Option<String>), Error> {
        admin(caller)?;
        let (start, end) = period(&body.period_start, &body.period_end)?;
        let mut usage = self.period_usage(None, start, end).await?;
        let projects: std::collections::BTreeSet<String> = usage
            .events
            .keys()
            .chain(usage.hours.keys())
            .cloned()
            .collect();
        let mut tx = self.pool.begin().await?;
        let (mut closed, mut sum) = (0, 0_i64);
        let currency = usage.currency();
        for project_id in projects {
            let draft = draft(project_id.clone(), start, end);
            let lines = usage.lines(&draft);
            if lines.is_empty() {
                continue;
            }
            let inv = match ds::invoice_insert(&mut *tx, &draft).await? {
                Some(i) => i,
                None => ds::invoice_for(&mut *tx, &project_id, start, end)
                    .await?
                    .ok_or_else(|| Error::conflict("An invoice changed while closing."))?,
            };
            if inv.status == "closed" {
                continue;
            }
            sum += close_with(&mut tx, inv.id, &lines, currency.as_deref()).await?;
            closed += 1;
        }
        tx.commit().await?;
        Ok((closed, sum, currency))
    }

    /// The lines of a project's period under the rate cards (time held,
    /// then egress), and their currency.
    async fn price_period(&self, inv: &Invoice) -> Result<(Vec<LineRow>, Option<String>), Error> {
        let mut usage = self
            .period_usage(Some(&inv.project_id), inv.period_start, inv.period_end)
            .await?;
        Ok((usage.lines(inv), usage.currency()))
    }

    /// What prices `[start, end)` for one project or all: the rate cards,
    /// the lifecycle of the resources that ran in it and the egress hours,
    /// by project. Pending samples are rolled up first, so egress is as of
    /// now.
    pub(super) async fn period_usage(
        &self,
        project: Option<&str>,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> Result<PeriodUsage, Error> {
        self.rollup().await?;
        let cards = ds::rate_cards(&self.pool)
            .await?
            .iter()
            .map(card_of)
            .collect();
        let mut usage = PeriodUsage {
            cards,
            events: BTreeMap::new(),
            hours: BTreeMap::new(),
        };
        let events =
            ds::lifecycle_between(&self.pool, project, None, Some(start), Some(end)).await?;
        for e in events {
            usage
                .events
                .entry(e.project_id.clone())
                .or_default()
                .push(e);
        }
        let hours =
            ds::usage_hours(&self.pool, project, None, Some(EGRESS_METRIC), start, end).await?;
        for h in hours {
            usage.hours.entry(h.project_id.clone()).or_default().push(h);
        }
        Ok(usage)
    }
}

/// A period's rate cards and, by project, its lifecycle events and egress
/// hours.
pub(super) struct PeriodUsage {
    pub(super) cards: Vec<RateCard>,
    pub(super) events: BTreeMap<String, Vec<ds::EventRow>>,
    pub(super) hours: BTreeMap<String, Vec<ds::HourRow>>,
}

impl PeriodUsage {
    /// The cards' currency (one for all of them).
    pub(super) fn currency(&self) -> Option<String> {
        self.cards.first().map(|c| c.currency.clone())
    }

    /// The lines of `inv`'s project (its events are taken: each project is
    /// priced once).
    fn lines(&mut self, inv: &Invoice) -> Vec<LineRow> {
        priced_lines(
            inv,
            self.events.remove(&inv.project_id).unwrap_or_default(),
            self.hours.get(&inv.project_id).map_or(&[], Vec::as_slice),
            &self.cards,
        )
    }
}

/// A new draft invoice.
fn draft(project_id: String, period_start: DateTime<Utc>, period_end: DateTime<Utc>) -> Invoice {
    Invoice {
        id: Uuid::new_v4(),
        project_id,
        period_start,
        period_end,
        status: "draft".into(),
        currency: None,
        total: None,
        created_at: Utc::now(),
        closed_at: None,
    }
}

/// A request's `period_start` and `period_end`, the first before the other.
fn period(start: &str, end: &str) -> Result<(DateTime<Utc>, DateTime<Utc>), Error> {
    let start = time("period_start", start)?;
    let end = time("period_end", end)?;
    if end <= start {
        return Err(invalid("period_end", "it must be after period_start"));
    }
    Ok((start, end))
}

/// Stores a draft's lines and closes it with their sum, in `tx`; the sum.
async fn close_with(
    tx: &mut sqlx::PgConnection,
    id: Uuid,
    lines: &[LineRow],
    currency: Option<&str>,
) -> Result<i64, Error> {
    let total: i64 = lines.iter().map(|l| l.amount).sum();
    ds::invoice_lines_insert(&mut *tx, id, lines).await?;
    ds::invoice_close(&mut *tx, id, currency, total).await?;
    Ok(total)
}

/// The counter egress is priced from: bytes an instance sent.
pub const EGRESS_METRIC: &str = "network.outgoing.bytes";

/// An invoice's lines from its project's events and egress hours.
fn priced_lines(
    inv: &Invoice,
    events: Vec<ds::EventRow>,
    hours: &[ds::HourRow],
    cards: &[RateCard],
) -> Vec<LineRow> {
    let events: Vec<billing::Event> = events.into_iter().map(billing::Event::from).collect();
    let segments = billing::segments(&events, inv.period_start, inv.period_end);
    // An hour is billed in the period its start is in.
    let egress: Vec<billing::HourBytes> = hours
        .iter()
        .map(|h| billing::HourBytes {
            resource_id: h.resource_id.clone(),
            project_id: h.project_id.clone(),
            hour: h.hour,
            bytes: h.total,
        })
        .collect();
    billing::price(&segments, cards)
        .into_iter()
        .chain(billing::price_egress(&egress, cards))
        .enumerate()
        .map(|(i, l)| LineRow {
            seq: i32::try_from(i).unwrap_or(i32::MAX),
            resource_id: l.resource_id,
            resource_type: l.resource_type,
            flavor: l.flavor,
            charge: l.charge.to_owned(),
            quantity: l.quantity,
            unit: l.unit,
            rate_card: l.rate_card,
            line_start: l.start,
            line_end: l.end,
            millis: l.millis,
            amount: l.amount,
        })
        .collect()
}
