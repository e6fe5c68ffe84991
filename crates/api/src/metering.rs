//! Stratus's own metering API (`stratus-metering`): rate cards, invoices
//! and hourly usage. Money is in whole minor units (cents) of the rate
//! cards' one currency; times are RFC 3339.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};

/// Prices of a rate card, each in minor units; a price not set is 0.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Prices {
    /// Per vCPU-hour of an instance whose flavor is not listed.
    #[serde(default)]
    pub vcpu_hour: i64,
    /// Per GiB-hour of RAM of an instance whose flavor is not listed.
    #[serde(default)]
    pub ram_gb_hour: i64,
    /// Per GiB-month (730 hours) of a volume.
    #[serde(default)]
    pub volume_gb_month: i64,
    /// Per GiB-month (730 hours) of a volume snapshot.
    #[serde(default)]
    pub snapshot_gb_month: i64,
    /// Per GiB-month (730 hours) of a stored image.
    #[serde(default)]
    pub image_gb_month: i64,
    /// Per hour a floating IP is held.
    #[serde(default)]
    pub floating_ip_hour: i64,
    /// Per hour a router is held.
    #[serde(default)]
    pub router_hour: i64,
    /// Per GiB an instance sends.
    #[serde(default)]
    pub egress_gb: i64,
}

impl Prices {
    /// The prices by name.
    pub fn by_name(&self) -> [(&'static str, i64); 8] {
        [
            ("vcpu_hour", self.vcpu_hour),
            ("ram_gb_hour", self.ram_gb_hour),
            ("volume_gb_month", self.volume_gb_month),
            ("snapshot_gb_month", self.snapshot_gb_month),
            ("image_gb_month", self.image_gb_month),
            ("floating_ip_hour", self.floating_ip_hour),
            ("router_hour", self.router_hour),
            ("egress_gb", self.egress_gb),
        ]
    }

    /// Prices from a map by name (missing ones are 0).
    pub fn from_map(m: &BTreeMap<String, i64>) -> Self {
        let get = |k: &str| m.get(k).copied().unwrap_or(0);
        Self {
            vcpu_hour: get("vcpu_hour"),
            ram_gb_hour: get("ram_gb_hour"),
            volume_gb_month: get("volume_gb_month"),
            snapshot_gb_month: get("snapshot_gb_month"),
            image_gb_month: get("image_gb_month"),
            floating_ip_hour: get("floating_ip_hour"),
            router_hour: get("router_hour"),
            egress_gb: get("egress_gb"),
        }
    }
}

/// A rate card: prices from `effective_from` until the next card's.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct RateCard {
    pub id: i64,
    pub effective_from: String,
    /// ISO 4217.
    pub currency: String,
    /// Per hour of an instance of the named flavor.
    pub flavor_hour: BTreeMap<String, i64>,
    pub created_at: String,
    #[serde(flatten)]
    pub prices: Prices,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct RateCardBody {
    pub rate_card: RateCard,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct RateCardList {
    pub rate_cards: Vec<RateCard>,
}

/// A new rate card (admins).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RateCardCreate {
    pub effective_from: String,
    /// ISO 4217, such as `EUR`; every card has the first card's.
    pub currency: String,
    #[serde(default)]
    pub flavor_hour: BTreeMap<String, i64>,
    #[serde(default)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vcpu_hour: Option<i64>,
    #[serde(default)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ram_gb_hour: Option<i64>,
    #[serde(default)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub volume_gb_month: Option<i64>,
    #[serde(default)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snapshot_gb_month: Option<i64>,
    #[serde(default)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_gb_month: Option<i64>,
    #[serde(default)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub floating_ip_hour: Option<i64>,
    #[serde(default)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub router_hour: Option<i64>,
    #[serde(default)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub egress_gb: Option<i64>,
}

impl RateCardCreate {
    /// The prices given, by name.
    pub fn prices(&self) -> [(&'static str, Option<i64>); 8] {
        [
            ("vcpu_hour", self.vcpu_hour),
            ("ram_gb_hour", self.ram_gb_hour),
            ("volume_gb_month", self.volume_gb_month),
            ("snapshot_gb_month", self.snapshot_gb_month),
            ("image_gb_month", self.image_gb_month),
            ("floating_ip_hour", self.floating_ip_hour),
            ("router_hour", self.router_hour),
            ("egress_gb", self.egress_gb),
        ]
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RateCardCreateBody {
    pub rate_card: RateCardCreate,
}

/// An invoice's status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum InvoiceStatus {
    /// Priced afresh whenever it is read.
    Draft,
    /// Its lines and total never change again.
    Closed,
}

/// One priced line of an invoice.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct InvoiceLine {
    pub resource_id: String,
    pub resource_type: String,
    pub flavor: String,
    /// What was charged (`flavor_hour`, `vcpu_hour`, ...).
    pub charge: String,
    pub quantity: i64,
    pub unit: String,
    /// The rate card's id.
    pub rate_card: i64,
    pub start: String,
    pub end: String,
    pub seconds: i64,
    pub millis: i64,
    /// Minor units.
    pub amount: i64,
}

/// An invoice: a project's charges for a period.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Invoice {
    pub id: String,
    pub project_id: String,
    pub period_start: String,
    pub period_end: String,
    pub status: InvoiceStatus,
    pub currency: Option<String>,
    /// Minor units; the sum of the lines.
    pub total: Option<i64>,
    pub created_at: String,
    pub closed_at: Option<String>,
    /// Shown with a single invoice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lines: Option<Vec<InvoiceLine>>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct InvoiceBody {
    pub invoice: Invoice,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct InvoiceList {
    pub invoices: Vec<Invoice>,
}

/// A period, `[period_start, period_end)`.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Period {
    pub period_start: String,
    pub period_end: String,
}

/// A new draft invoice (admins).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvoiceCreate {
    pub project_id: String,
    pub period_start: String,
    pub period_end: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvoiceCreateBody {
    pub invoice: InvoiceCreate,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PeriodBody {
    pub period: Period,
}

/// What closing a period did.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct PeriodClosed {
    /// Invoices closed.
    pub closed: i64,
    /// Their sum, in minor units.
    pub total: i64,
    pub currency: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct PeriodClosedBody {
    pub period: PeriodClosed,
}

/// Whether a metric counts up or is read as it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum MetricKind {
    /// CPU time, bytes: `value` is the increase in the hour.
    Cumulative,
    /// vCPUs, GiB held: `value` is the largest reading.
    Gauge,
}

/// One hour of one metric of one resource.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct UsageHour {
    pub project_id: String,
    pub resource_id: String,
    pub resource_type: String,
    pub metric: String,
    pub unit: String,
    pub kind: MetricKind,
    pub hour: String,
    pub value: i64,
    pub sum: i64,
    pub maximum: i64,
    pub samples: i64,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct UsageList {
    pub usage: Vec<UsageHour>,
}

/// The query of `/v1/usage`.
#[derive(Clone, Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct UsageQuery {
    /// Admins: any project (all when not given); others their own.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metric: Option<String>,
    /// RFC 3339; a day before `end` if not given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start: Option<String>,
    /// RFC 3339; now if not given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end: Option<String>,
}

/// The query of `/v1/costs`.
#[derive(Clone, Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CostQuery {
    /// Admins: any project (all when not given); others their own.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project_id: Option<String>,
    /// RFC 3339; the start of the current month (UTC) if not given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start: Option<String>,
    /// RFC 3339; now if not given. At most 366 days after `start`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end: Option<String>,
}

/// One UTC day's charges.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct CostDay {
    /// `YYYY-MM-DD` (UTC).
    pub day: String,
    /// Minor units; the sum of `by_type`.
    pub total: i64,
    /// Minor units by resource type (`instance`, `volume`, `snapshot`,
    /// `image`, `floating_ip`, `router`; egress counts as `instance`).
    pub by_type: BTreeMap<String, i64>,
}

/// What was used in a period, priced by the rate cards as an invoice is,
/// day by day: each day's lines are priced and rounded on their own, so a
/// period's total can differ from its invoice's by a minor unit per
/// resource and day.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Costs {
    /// The rate cards' currency; none before the first card.
    pub currency: Option<String>,
    pub start: String,
    pub end: String,
    /// Minor units; the sum of the days.
    pub total: i64,
    /// Minor units by resource type over the period.
    pub by_type: BTreeMap<String, i64>,
    /// Every day of the period, oldest first (days with nothing used are 0).
    pub days: Vec<CostDay>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct CostsBody {
    pub costs: Costs,
}
