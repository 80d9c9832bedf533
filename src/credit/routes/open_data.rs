//! The open-data downloads of credit: `/credit?format=csv|json` (graded agencies, the list's
//! `grade`, `region` and `q` filters, its keyset cursor) and `/blacklist?format=csv|json`
//! (every listing, `state=active|ended` narrows). Free text (reasons, bases) goes out with
//! any ID or phone number typed into it masked (`domain::credit::mask_free_text`).

use actix_web::HttpResponse;
use serde_json::{Value, json};

use crate::credit::store::credit::{self as mc, ListCursor, ListFilter};
use crate::credit::store::sanctions as sx;
use crate::credit::views::listing_sanction;
use crate::domain::credit::{Grade, fmt_x100, mask_free_text};
use crate::domain::export::ExportQuery;
use crate::domain::opendata::{BLACKLIST, CREDIT};
use crate::error::AppError;
use crate::web::export::{self, RawExport};
use crate::web::{Ctx, fmt};

/// `/credit?format=…`: `after` is the list's own cursor (grade, score, id).
pub async fn credit(
    ctx: &Ctx,
    q: ExportQuery,
    filter: ListFilter,
) -> Result<HttpResponse, AppError> {
    if q.after
        .as_deref()
        .is_some_and(|a| ListCursor::parse(a).is_none())
    {
        return Err(AppError::BadRequest(crate::domain::export::BAD_CURSOR));
    }
    let lang = ctx.lang();
    let public = ctx.config().public_url.trim_end_matches('/').to_string();
    let base = export::url(
        "/credit",
        &[
            (
                "grade",
                filter
                    .grade
                    .map(|g| g.code().to_string())
                    .unwrap_or_default(),
            ),
            ("region", filter.region.clone().unwrap_or_default()),
            ("q", filter.name.clone().unwrap_or_default()),
        ],
    );
    export::serve(ctx, &CREDIT, q, base, move |c, after, n| {
        let after = after.as_deref().and_then(ListCursor::parse);
        let (rows, _) = mc::list(c, &filter, after.as_ref(), n as i64)?;
        let today = crate::db::today();
        Ok(rows
            .into_iter()
            .map(|r| {
                let grade = r.grade.as_deref().and_then(Grade::parse);
                let cursor = ListCursor {
                    grade: grade.unwrap_or(Grade::D),
                    score_x100: r.credit_score.unwrap_or(0),
                    id: r.user_id,
                };
                let restrictions: Vec<String> =
                    sx::restrictions_of_agg(r.sanctions.as_deref(), today)
                        .iter()
                        .map(|x| {
                            let (mark, period) = fmt::restriction(lang, x);
                            format!("{mark} {period}")
                        })
                        .collect();
                let item = json!({
                    "id": r.user_id,
                    "name": r.name,
                    "region": r.region,
                    "region_name": crate::i18n::tr(lang, &format!("cat.region.{}", r.region)),
                    "grade": r.grade,
                    "score": r.credit_score.map(fmt_x100),
                    "red_list": grade.is_some_and(|g| g.red_list(r.sanctioned)),
                    "restrictions": restrictions,
                    "url": format!("{public}/credit/agencies/{}", r.user_id),
                });
                (cursor.encode(), item)
            })
            .collect())
    })
    .await
}

/// `/blacklist?format=…&state=active|ended`.
pub async fn blacklist(ctx: &Ctx, raw: RawExport, state: &str) -> Result<HttpResponse, AppError> {
    let q = raw.parse()?;
    let state = match state.trim() {
        "" => None,
        s @ ("active" | "ended") => Some(s.to_string()),
        _ => return Err(AppError::BadRequest("sanctions.bad_state")),
    };
    let lang = ctx.lang();
    let base = export::url(
        "/blacklist",
        &[("state", state.clone().unwrap_or_default())],
    );
    export::serve_by_id(ctx, &BLACKLIST, q, base, move |c, before, n| {
        let rows = sx::public_listings(c)?;
        let depts = crate::accounts::store::department::all(c)?;
        let all: Vec<(i64, Value)> = rows
            .iter()
            .filter_map(|(l, name, uscc)| {
                let r = listing_sanction(l, name, uscc, &depts, lang);
                let active = matches!(r.state, "active" | "upcoming");
                match state.as_deref() {
                    Some("active") if !active => return None,
                    Some("ended") if active => return None,
                    _ => {}
                }
                Some((
                    l.id,
                    json!({
                        "id": l.id,
                        "agency_id": l.agency_id,
                        "agency": r.agency,
                        "uscc": r.uscc,
                        "department": r.department,
                        "reason": mask_free_text(&r.reason),
                        "legal_basis": mask_free_text(&r.basis),
                        "period": r.period,
                        "state": r.state,
                        "state_name": r.state_label,
                    }),
                ))
            })
            .collect();
        Ok(export::below(all, before, n))
    })
    .await
}
