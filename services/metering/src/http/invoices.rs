//! `/v1/rate-cards` and `/v1/invoices` (JSON, and CSV for an invoice).

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use stratus_api::metering as api;
use stratus_common::Error;
use stratus_http::Json;
use stratus_http::auth::Caller;

use crate::app::App;
use crate::datastore::{Invoice, LineRow, RateCardRow};

fn card_view(c: &RateCardRow) -> api::RateCard {
    api::RateCard {
        id: c.id,
        effective_from: c.effective_from.to_rfc3339(),
        currency: c.currency.clone(),
        flavor_hour: c.flavor_hour.0.clone(),
        created_at: c.created_at.to_rfc3339(),
        prices: api::Prices::from_map(&c.prices.0),
    }
}

fn invoice_view(i: &Invoice) -> api::Invoice {
    api::Invoice {
        id: i.id.to_string(),
        project_id: i.project_id.clone(),
        period_start: i.period_start.to_rfc3339(),
        period_end: i.period_end.to_rfc3339(),
        status: if i.status == "closed" {
            api::InvoiceStatus::Closed
        } else {
            api::InvoiceStatus::Draft
        },
        currency: i.currency.clone(),
        total: i.total,
        created_at: i.created_at.to_rfc3339(),
        closed_at: i.closed_at.map(|t| t.to_rfc3339()),
        lines: None,
    }
}

fn line_view(l: &LineRow) -> api::InvoiceLine {
    api::InvoiceLine {
        resource_id: l.resource_id.clone(),
        resource_type: l.resource_type.clone(),
        flavor: l.flavor.clone(),
        charge: l.charge.clone(),
        quantity: l.quantity,
        unit: l.unit.clone(),
        rate_card: l.rate_card,
        start: l.line_start.to_rfc3339(),
        end: l.line_end.to_rfc3339(),
        seconds: l.millis / 1000,
        millis: l.millis,
        amount: l.amount,
    }
}

/// Adds a rate card (admins); it applies from `effective_from`.
#[utoipa::path(post, path = "/v1/rate-cards", operation_id = "createRateCard", tag = "rate-cards",
    request_body = api::RateCardCreateBody,
    responses((status = 201, description = "The rate card", body = api::RateCardBody), (status = 403, description = "Not an admin"),
        (status = 400, description = "Bad prices (fractions, negatives), currency or time"),
        (status = 409, description = "A card at that time, another currency, or a closed period")))]
pub async fn card_create(
    State(app): State<App>,
    caller: Caller,
    Json(body): Json<api::RateCardCreateBody>,
) -> Result<(StatusCode, Json<api::RateCardBody>), Error> {
    let c = app.rate_card_create(&caller.0, &body.rate_card).await?;
    Ok((
        StatusCode::CREATED,
        Json(api::RateCardBody {
            rate_card: card_view(&c),
        }),
    ))
}

#[utoipa::path(get, path = "/v1/rate-cards", operation_id = "listRateCards", tag = "rate-cards",
    responses((status = 200, description = "Every rate card, oldest first", body = api::RateCardList)))]
pub async fn cards(
    State(app): State<App>,
    _caller: Caller,
) -> Result<Json<api::RateCardList>, Error> {
    let all = app.rate_card_list().await?;
    Ok(Json(api::RateCardList {
        rate_cards: all.iter().map(card_view).collect(),
    }))
}

/// Opens a draft invoice for a project and period (admins).
#[utoipa::path(post, path = "/v1/invoices", operation_id = "createInvoice", tag = "invoices",
    request_body = api::InvoiceCreateBody,
    responses((status = 201, description = "The draft", body = api::InvoiceBody), (status = 400, description = "A bad project or period"),
        (status = 403, description = "Not an admin"),
        (status = 409, description = "The project has one for that period")))]
pub async fn create(
    State(app): State<App>,
    caller: Caller,
    Json(body): Json<api::InvoiceCreateBody>,
) -> Result<(StatusCode, Json<api::InvoiceBody>), Error> {
    let i = app.invoice_create(&caller.0, &body.invoice).await?;
    Ok((
        StatusCode::CREATED,
        Json(api::InvoiceBody {
            invoice: invoice_view(&i),
        }),
    ))
}

/// Invoices the caller may see: all for admins, their project's for others.
#[utoipa::path(get, path = "/v1/invoices", operation_id = "listInvoices", tag = "invoices",
    responses((status = 200, description = "Invoices", body = api::InvoiceList)))]
pub async fn list(State(app): State<App>, caller: Caller) -> Result<Json<api::InvoiceList>, Error> {
    let all = app.invoice_list(&caller.0).await?;
    Ok(Json(api::InvoiceList {
        invoices: all.iter().map(invoice_view).collect(),
    }))
}

/// An invoice with its lines; a draft is priced as of now, and its total
/// is the sum of its lines.
#[utoipa::path(get, path = "/v1/invoices/{invoice_id}", operation_id = "showInvoice", tag = "invoices",
    params(("invoice_id" = String, Path)),
    responses((status = 200, description = "The invoice", body = api::InvoiceBody),
        (status = 404, description = "No such invoice the caller may see")))]
pub async fn show(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<api::InvoiceBody>, Error> {
    let (i, lines, currency) = app.invoice_get(&caller.0, &id).await?;
    let mut invoice = invoice_view(&i);
    invoice.lines = Some(lines.iter().map(line_view).collect());
    invoice.total = Some(lines.iter().map(|l| l.amount).sum::<i64>());
    invoice.currency = currency;
    Ok(Json(api::InvoiceBody { invoice }))
}

/// Invoices and closes a whole period (admins): every project that used
/// anything in it gets its invoice, closed; projects already closed for
/// the period are left as they are.
#[utoipa::path(post, path = "/v1/invoices/close-period", operation_id = "closeInvoicePeriod", tag = "invoices",
    request_body = api::PeriodBody,
    responses((status = 200, description = "How many were closed and their sum", body = api::PeriodClosedBody),
        (status = 400, description = "A bad period"), (status = 403, description = "Not an admin")))]
pub async fn close_period(
    State(app): State<App>,
    caller: Caller,
    Json(body): Json<api::PeriodBody>,
) -> Result<Json<api::PeriodClosedBody>, Error> {
    let (closed, total, currency) = app.close_period(&caller.0, &body.period).await?;
    Ok(Json(api::PeriodClosedBody {
        period: api::PeriodClosed {
            closed: i64::try_from(closed).unwrap_or(i64::MAX),
            total,
            currency,
        },
    }))
}

/// Closes an invoice (admins): priced one last time, then immutable.
#[utoipa::path(post, path = "/v1/invoices/{invoice_id}/close", operation_id = "closeInvoice", tag = "invoices",
    params(("invoice_id" = String, Path)),
    responses((status = 200, description = "The closed invoice", body = api::InvoiceBody),
        (status = 403, description = "Not an admin"), (status = 404, description = "No such invoice"),
        (status = 409, description = "It is closed already")))]
pub async fn close(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<api::InvoiceBody>, Error> {
    let i = app.invoice_close(&caller.0, &id).await?;
    Ok(Json(api::InvoiceBody {
        invoice: invoice_view(&i),
    }))
}

/// The invoice's lines as CSV, with a total row.
#[utoipa::path(get, path = "/v1/invoices/{invoice_id}/csv", operation_id = "showInvoiceCsv", tag = "invoices",
    params(("invoice_id" = String, Path)),
    responses((status = 200, description = "The lines as CSV", content_type = "text/csv", body = String),
        (status = 404, description = "No such invoice the caller may see")))]
pub async fn csv(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    let (i, lines, currency) = app.invoice_get(&caller.0, &id).await?;
    let mut out = String::from(
        "resource_id,resource_type,flavor,charge,quantity,unit,rate_card,start,end,seconds,amount,currency\n",
    );
    let cur = currency.unwrap_or_default();
    for l in &lines {
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{},{},{},{},{cur}\n",
            csv_field(&l.resource_id),
            csv_field(&l.resource_type),
            csv_field(&l.flavor),
            l.charge,
            l.quantity,
            csv_field(&l.unit),
            l.rate_card,
            l.line_start.to_rfc3339(),
            l.line_end.to_rfc3339(),
            l.millis / 1000,
            l.amount
        ));
    }
    out.push_str(&format!(
        "total,,,,,,,{},{},,{},{cur}\n",
        i.period_start.to_rfc3339(),
        i.period_end.to_rfc3339(),
        lines.iter().map(|l| l.amount).sum::<i64>()
    ));
    Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], out).into_response())
}

/// A CSV field, quoted when it must be.
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}
