//! The fulfilment section of a signed contract (`templates/contracts/fulfilment/_section.html`): the
//! service timer, deliverables, amendments, payments, ratings and the timeline, with the
//! forms the viewer may use. Every button comes from the decision its POST asks for.

use std::collections::HashMap;

use crate::auth::policy::Action;
use crate::contracts::store::evaluation::Evaluation;
use crate::contracts::store::fulfilment as mful;
use crate::domain::evaluation::{self as erules, DIMENSIONS};
use crate::domain::fulfilment as rules;
use crate::domain::status::{ContractStatus, DeliverableDecision, RaterKind};
use crate::domain::workdays::Calendar;
use crate::i18n::tr_args;
use crate::web::{Ctx, fmt, fmt_time};

pub struct DeliverableView {
    pub id: i64,
    pub file: String,
    pub note: String,
    pub submitted_at: String,
    pub state: String,
    pub reason: String,
    pub pending: bool,
}

pub struct AmendmentView {
    pub id: i64,
    pub what: String,
    pub reason: String,
    pub state: String,
    pub proposed_at: String,
    pub owner_signed: String,
    pub agency_signed: String,
    /// The signed-in party may sign or decline it.
    pub can_answer: bool,
}

pub struct PaymentView {
    pub paid_on: String,
    pub amount: String,
    pub late: bool,
}

pub struct EvalView {
    pub id: i64,
    pub rater: String,
    /// (dimension label, stars)
    pub stars: Vec<(String, i32)>,
    pub overall: String,
    pub comment: String,
    pub rated_at: String,
    pub revised_at: String,
    pub reply: String,
    pub appeal: String,
    pub decision: String,
    pub answer: String,
    pub counts: bool,
    pub can_reply: bool,
    pub can_appeal: bool,
    pub can_decide: bool,
}

/// A refused form: which form, the message, and what was typed (kept for the re-render).
#[derive(Default)]
pub struct FormError {
    pub form: String,
    pub message: String,
    pub values: HashMap<String, String>,
}

impl FormError {
    pub fn new(form: &str, message: String, values: &[(&str, &str)]) -> FormError {
        FormError {
            form: form.to_string(),
            message,
            values: values
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }
}

/// What `templates/contracts/fulfilment/_section.html` shows.
pub struct FulfilmentView {
    pub id: i64,
    pub status: String,
    pub announcement_id: i64,
    pub item: String,
    pub owner: String,
    pub owner_id: i64,
    pub agency: String,
    pub agency_id: i64,
    pub price: String,
    pub price_limit: String,
    pub limit_days: i64,
    pub extension: i64,
    pub statutory_days: i32,
    pub signed_on: String,
    pub deadline: String,
    pub used_days: i64,
    pub days_left: i64,
    pub overrun_days: i64,
    pub outcome: String,
    pub has_timer: bool,
    pub accepted_at: String,
    pub deliverables: Vec<DeliverableView>,
    pub pending_deliverable: Option<i64>,
    pub amendments: Vec<AmendmentView>,
    pub payments: Vec<PaymentView>,
    pub payment_due: String,
    pub payment_state: String,
    pub evaluations: Vec<EvalView>,
    pub rate_by: String,
    pub events: Vec<(String, String)>,
    pub dimensions: Vec<(String, String)>,
    pub max_mib: i64,
    // What the signed-in user may do here.
    pub is_owner: bool,
    pub is_agency: bool,
    pub can_deliver: bool,
    pub can_amend: bool,
    pub can_pay: bool,
    pub can_rate: bool,
    pub can_rate_department: bool,
    pub error: FormError,
}

impl FulfilmentView {
    /// The value typed into `field` of the refused form (empty otherwise).
    pub fn val(&self, field: &str) -> &str {
        self.error
            .values
            .get(field)
            .map(String::as_str)
            .unwrap_or("")
    }
    /// The refusal message when `form` was the refused form.
    pub fn err(&self, form: &str) -> &str {
        if self.error.form == form {
            &self.error.message
        } else {
            ""
        }
    }
}

/// What the fulfilment section is built from.
pub struct FulfilmentRows {
    pub loaded: mful::Loaded,
    pub evaluations: Vec<Evaluation>,
    /// Working days from the acceptance (or today) on: rating windows and deadlines.
    pub calendar: Calendar,
    pub upload_max_mib: i64,
}

/// The viewer's standing on the contract, each from the policy decision its POSTs ask for.
struct Viewer {
    is_owner: bool,
    is_agency: bool,
    may_rate_dept: bool,
    may_decide_appeal: bool,
}

impl Viewer {
    fn of(ctx: &Ctx, l: &mful::Loaded) -> Viewer {
        let k = &l.contract;
        let department_id = l.item_department_id;
        Viewer {
            is_owner: ctx.allows(Action::ActAsContractOwner {
                owner: k.owner_side(),
            }),
            is_agency: ctx.allows(Action::ActAsContractAgency {
                agency: k.agency_id,
            }),
            may_rate_dept: ctx.allows(Action::RateAsDepartment { department_id }),
            may_decide_appeal: ctx.allows(Action::DecideAppeal { department_id }),
        }
    }
}

fn deliverables(ctx: &Ctx, l: &mful::Loaded) -> Vec<DeliverableView> {
    l.deliverables
        .iter()
        .map(|(d, name)| DeliverableView {
            id: d.id,
            file: name.clone(),
            note: d.note.clone(),
            submitted_at: fmt_time(d.submitted_at),
            state: ctx
                .t(&format!(
                    "ful.deliverable.{}",
                    d.decision.map_or("pending", DeliverableDecision::as_str)
                ))
                .to_string(),
            reason: d.reason.clone().unwrap_or_default(),
            pending: d.decision.is_none(),
        })
        .collect()
}

fn amendment(ctx: &Ctx, a: &mful::Amendment, v: &Viewer, running: bool) -> AmendmentView {
    let what = match (a.extra_days, a.new_price) {
        (Some(d), _) => tr_args(
            ctx.lang(),
            "ful.amend.extension_of",
            &[("days", &d.to_string())],
        ),
        (_, Some(p)) => tr_args(
            ctx.lang(),
            "ful.amend.price_of",
            &[("price", &fmt::money(p))],
        ),
        _ => String::new(),
    };
    let mine_signed = if v.is_owner {
        a.owner_signed_at.is_some()
    } else {
        a.agency_signed_at.is_some()
    };
    AmendmentView {
        id: a.id,
        what,
        reason: a.reason.clone(),
        state: ctx.t(&format!("ful.amend.state.{}", a.status)).to_string(),
        proposed_at: fmt_time(a.proposed_at),
        owner_signed: a.owner_signed_at.map(fmt_time).unwrap_or_default(),
        agency_signed: a.agency_signed_at.map(fmt_time).unwrap_or_default(),
        can_answer: running
            && a.status == crate::domain::status::AmendmentStatus::Proposed
            && (v.is_owner || v.is_agency)
            && !mine_signed,
    }
}

fn payments(l: &mful::Loaded) -> Vec<PaymentView> {
    l.payments
        .iter()
        .map(|p| PaymentView {
            paid_on: p.paid_on.to_string(),
            amount: fmt::money(p.amount),
            late: l
                .payment_due
                .is_some_and(|d| rules::payment_late(p.paid_on, d)),
        })
        .collect()
}

fn payment_state(
    ctx: &Ctx,
    due: Option<chrono::NaiveDate>,
    payments: &[PaymentView],
    today: chrono::NaiveDate,
) -> String {
    let key = match due {
        None => return String::new(),
        Some(_) if payments.iter().any(|p| p.late) => "ful.pay.state.late",
        Some(d) if rules::payment_overdue(!payments.is_empty(), d, today) => {
            "ful.pay.state.overdue"
        }
        Some(_) if payments.is_empty() => "ful.pay.state.waiting",
        Some(_) => "ful.pay.state.on_time",
    };
    ctx.t(key).to_string()
}

/// Whether the rater of `kind` may rate now: a first rating while the window is open, a
/// revision while the rules allow it.
fn may_rate(
    rows: &FulfilmentRows,
    kind: RaterKind,
    window: bool,
    today: chrono::NaiveDate,
) -> bool {
    match rows.evaluations.iter().find(|e| e.rater_kind == kind) {
        None => window,
        Some(e) => erules::revision_refusal(
            &rows.calendar,
            crate::domain::workdays::china_date(e.rated_at.and_utc()),
            today,
            e.revised_at.is_some(),
            e.appeal.is_some(),
        )
        .is_none(),
    }
}

/// Whether the owner, and the department, may rate the accepted contract now.
fn rating_rights(rows: &FulfilmentRows, v: &Viewer, today: chrono::NaiveDate) -> (bool, bool) {
    let k = &rows.loaded.contract;
    if k.status != ContractStatus::Accepted {
        return (false, false);
    }
    let window = k
        .accepted_on()
        .is_some_and(|a| erules::rating_open(&rows.calendar, a, today));
    (
        v.is_owner && may_rate(rows, RaterKind::Owner, window, today),
        v.may_rate_dept && may_rate(rows, RaterKind::Department, window, today),
    )
}

fn evaluation(ctx: &Ctx, e: &Evaluation, v: &Viewer, dims: &[(String, String)]) -> EvalView {
    let t = |key: &str| ctx.t(key).to_string();
    EvalView {
        id: e.id,
        rater: t(&format!("eval.rater.{}", e.rater_kind)),
        stars: dims
            .iter()
            .map(|(_, label)| label.clone())
            .zip(e.stars().as_array())
            .collect(),
        overall: erules::fmt_x100(i64::from(e.stars().overall_x100())),
        comment: e.comment.clone(),
        rated_at: fmt_time(e.rated_at),
        revised_at: e.revised_at.map(fmt_time).unwrap_or_default(),
        reply: e.reply.clone().unwrap_or_default(),
        appeal: e.appeal.clone().unwrap_or_default(),
        decision: e
            .appeal_decision
            .map(|d| t(&format!("eval.appeal.{d}")))
            .unwrap_or_default(),
        answer: e.appeal_answer.clone().unwrap_or_default(),
        counts: e.counts(),
        can_reply: v.is_agency && e.reply.is_none(),
        can_appeal: v.is_agency && e.appeal.is_none(),
        can_decide: v.may_decide_appeal && e.appeal_pending(),
    }
}

/// The timeline: fulfilment steps, then the contract's own (drafting, signing), never a raw
/// key.
fn events(ctx: &Ctx, l: &mful::Loaded) -> Vec<(String, String)> {
    let lang = ctx.lang();
    l.events
        .iter()
        .map(|e| {
            let label = crate::i18n::tr_opt(lang, &format!("ful.event.{}", e.action))
                .or_else(|| {
                    let step = e.action.strip_prefix("contract.")?;
                    crate::i18n::tr_opt(lang, &format!("contracts.event.{step}"))
                })
                .unwrap_or_else(|| ctx.t("contracts.event.other"))
                .to_string();
            (fmt_time(e.at), label)
        })
        .collect()
}

/// The service timer's part of the section.
struct TimerView {
    signed_on: String,
    deadline: String,
    used_days: i64,
    days_left: i64,
    overrun_days: i64,
    outcome: String,
}

impl TimerView {
    fn of(ctx: &Ctx, tm: Option<rules::Timer>) -> TimerView {
        TimerView {
            signed_on: tm.map(|t| t.start.to_string()).unwrap_or_default(),
            deadline: tm.map(|t| t.deadline.to_string()).unwrap_or_default(),
            used_days: tm.map(|t| t.used_days).unwrap_or(0),
            days_left: tm.map(|t| t.days_left()).unwrap_or(0),
            overrun_days: tm.map(|t| t.overrun_days).unwrap_or(0),
            outcome: tm
                .map(|t| ctx.t(t.outcome().key()).to_string())
                .unwrap_or_default(),
        }
    }
}

impl FulfilmentView {
    /// The section for the viewer in `ctx`, who may see the contract; `error`: the refused
    /// form to show again, if any.
    pub fn build(ctx: &Ctx, rows: FulfilmentRows, error: FormError) -> FulfilmentView {
        let l = &rows.loaded;
        let k = &l.contract;
        let v = Viewer::of(ctx, l);
        let today = crate::db::today();
        let running = k.status == ContractStatus::Signed;
        let accepted = k.status == ContractStatus::Accepted;
        let pending_deliverable = l
            .deliverables
            .iter()
            .find(|(d, _)| d.decision.is_none())
            .map(|(d, _)| d.id);
        let payments = payments(l);
        let (can_rate, can_rate_department) = rating_rights(&rows, &v, today);
        let dims: Vec<(String, String)> = DIMENSIONS
            .iter()
            .map(|d| (d.to_string(), ctx.t(&format!("eval.dim.{d}")).to_string()))
            .collect();
        let tm = TimerView::of(ctx, l.timer);
        FulfilmentView {
            id: k.id,
            status: ctx.t(&format!("ful.status.{}", k.status)).to_string(),
            announcement_id: k.announcement_id,
            item: l.item_name.clone(),
            owner: l.owner_name.clone(),
            owner_id: k.owner_id,
            agency: l.agency_name.clone(),
            agency_id: k.agency_id,
            price: fmt::money(k.price),
            price_limit: fmt::money(k.price_limit),
            limit_days: i64::from(k.time_limit_days) + l.extension,
            extension: l.extension,
            statutory_days: l.statutory_days,
            signed_on: tm.signed_on,
            deadline: tm.deadline,
            used_days: tm.used_days,
            days_left: tm.days_left,
            overrun_days: tm.overrun_days,
            outcome: tm.outcome,
            has_timer: l.timer.is_some(),
            accepted_at: k.accepted_at.map(fmt_time).unwrap_or_default(),
            deliverables: deliverables(ctx, l),
            pending_deliverable: pending_deliverable.filter(|_| v.is_owner && running),
            amendments: l
                .amendments
                .iter()
                .map(|a| amendment(ctx, a, &v, running))
                .collect(),
            payment_due: l.payment_due.map(|d| d.to_string()).unwrap_or_default(),
            payment_state: payment_state(ctx, l.payment_due, &payments, today),
            payments,
            evaluations: rows
                .evaluations
                .iter()
                .map(|e| evaluation(ctx, e, &v, &dims))
                .collect(),
            rate_by: k
                .accepted_on()
                .map(|a| erules::rate_by(&rows.calendar, a).to_string())
                .unwrap_or_default(),
            events: events(ctx, l),
            dimensions: dims,
            max_mib: rows.upload_max_mib,
            can_deliver: v.is_agency && running && pending_deliverable.is_none(),
            can_amend: (v.is_owner || v.is_agency) && running,
            can_pay: v.is_owner && (running || accepted),
            can_rate,
            can_rate_department,
            is_owner: v.is_owner,
            is_agency: v.is_agency,
            error,
        }
    }
}
