//! What every page template receives: the language, the signed-in user, the CSRF token for its
//! forms, a flash message from the previous POST, and the current path (for the language
//! switch). Templates call `page.t("key")` for every visible word.

use crate::auth::Role;
use crate::auth::policy::{self, Action, Decision};
use crate::i18n::{self, Lang};

pub use crate::auth::CurrentUser;

#[derive(Clone, Debug)]
pub enum FlashKind {
    Success,
    Error,
    Info,
}

#[derive(Clone, Debug)]
pub struct Flash {
    pub kind: FlashKind,
    /// Already translated text.
    pub text: String,
}

impl Flash {
    pub fn css(&self) -> &'static str {
        match self.kind {
            FlashKind::Success => "success",
            FlashKind::Error => "error",
            FlashKind::Info => "info",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Page {
    pub lang: Lang,
    pub user: Option<CurrentUser>,
    pub csrf: String,
    pub flash: Option<Flash>,
    /// Path and query of this request without any `lang=` parameter.
    pub path: String,
    /// Set on a demo/training database: the layout's 演示环境 banner.
    pub rehearsal: Option<Rehearsal>,
}

/// What the 演示环境 banner says: how far the clock is ahead (not the time itself, which a
/// cached page would show stale).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rehearsal {
    /// Seconds the platform clock is ahead of the real time.
    pub ahead_seconds: i64,
}

impl Rehearsal {
    /// The banner for a pool's clock, or None on a production database.
    pub fn of(clock: &crate::clock::Clock) -> Option<Rehearsal> {
        clock.is_demo().then(|| Rehearsal {
            ahead_seconds: clock.offset_seconds(),
        })
    }

    /// "3 天 2 小时" / "3 days 2 hours" (whole hours; the clock moves by hours or days).
    pub fn ahead(&self, lang: Lang) -> String {
        let hours = self.ahead_seconds / 3600;
        let (d, h) = (hours / 24, hours % 24);
        let args = [("days", d.to_string()), ("hours", h.to_string())];
        let a: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let key = match (d, h) {
            (0, _) => "clock.ahead.hours",
            (_, 0) => "clock.ahead.days",
            _ => "clock.ahead.days_hours",
        };
        i18n::tr_args(lang, key, &a)
    }
}

impl Page {
    pub fn t(&self, key: &str) -> &'static str {
        i18n::tr(self.lang, key)
    }
    pub fn lang_code(&self) -> &'static str {
        self.lang.code()
    }
    /// HTML `lang` attribute value.
    pub fn html_lang(&self) -> &'static str {
        match self.lang {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }
    /// Link that shows the same page in the other language.
    pub fn switch_lang_url(&self) -> String {
        let sep = if self.path.contains('?') { '&' } else { '?' };
        format!("{}{}lang={}", self.path, sep, self.lang.other().code())
    }
    pub fn other_lang_label(&self) -> &'static str {
        match self.lang {
            Lang::Zh => "English",
            Lang::En => "中文",
        }
    }
    /// A demo/training database: the layout shows the 演示环境 banner.
    pub fn is_rehearsal(&self) -> bool {
        self.rehearsal.is_some()
    }
    /// The banner's "clock ahead by …" text, empty when the clock has not moved.
    pub fn rehearsal_ahead(&self) -> String {
        match &self.rehearsal {
            Some(r) if r.ahead_seconds > 0 => r.ahead(self.lang),
            _ => String::new(),
        }
    }
    pub fn logged_in(&self) -> bool {
        self.user.is_some()
    }
    pub fn role(&self) -> &'static str {
        self.user
            .as_ref()
            .map(|u| u.role.as_str())
            .unwrap_or("visitor")
    }
    pub fn is_role(&self, role: &str) -> bool {
        self.role() == role
    }
    pub fn user_name(&self) -> &str {
        self.user
            .as_ref()
            .map(|u| u.display_name.as_str())
            .unwrap_or("")
    }
    pub fn unread(&self) -> i64 {
        self.user.as_ref().map(|u| u.unread).unwrap_or(0)
    }
    /// Whether the policy lets this user do `action` (what a link or button may offer).
    pub fn allows(&self, action: Action) -> bool {
        policy::decide(self.user.as_ref(), action) == Decision::Allow
    }
    /// The menu entries this user may open, each asked of the policy with the action its page
    /// authorizes, so the menu never offers a page that answers 403.
    pub fn nav(&self) -> Nav {
        // An agency's own pages are asked with its own id; a visitor has none, and no such page.
        let own = |action: fn(i64) -> Action| {
            self.user
                .as_ref()
                .is_some_and(|u| self.allows(action(u.id)))
        };
        Nav {
            projects: self.allows(Action::CreateProject),
            owner_contracts: self.allows(Action::ListOwnContracts { side: Role::Owner }),
            agency_announcements: own(|agency_id| Action::TakePart { agency_id }),
            agency_profile: own(|agency_id| Action::EditAgencyProfile { agency_id }),
            agency_credit: own(|agency_id| Action::ApplyForRepair { agency_id }),
            agency_contracts: self.allows(Action::ListOwnContracts { side: Role::Agency }),
            review: self.allows(Action::ViewReviewQueue),
            credit_queue: self.allows(Action::ViewCreditQueue),
            supervise_selection: self.allows(Action::SuperviseSelection),
            supervise_contracts: self.allows(Action::SuperviseContracts),
            signals: self.allows(Action::ViewSignals),
            users: self.allows(Action::ManageAccounts),
            credit_rules: self.allows(Action::PublishCreditRules),
            calendar: self.allows(Action::ManageCalendar),
            audit: self.allows(Action::ViewAudit),
            overdue_reviews: self.allows(Action::ViewOverdueReviews),
            clock: self.is_rehearsal() && self.allows(Action::MovePlatformClock),
            complaints: self.allows(Action::SuperviseComplaints),
            complaints_against_me: self.allows(Action::ListComplaintsAgainstMe),
        }
    }
    /// True when `prefix` is the start of the current path (navigation highlighting).
    pub fn active(&self, prefix: &str) -> bool {
        let p = self.path.split('?').next().unwrap_or("");
        if prefix == "/" {
            p == "/"
        } else {
            p.starts_with(prefix)
        }
    }
}

/// The role-specific menu entries, each decided by the policy (see [`Page::nav`]).
#[derive(Clone, Copy, Debug, Default)]
pub struct Nav {
    pub projects: bool,
    pub owner_contracts: bool,
    pub agency_announcements: bool,
    pub agency_profile: bool,
    pub agency_credit: bool,
    pub agency_contracts: bool,
    pub review: bool,
    pub credit_queue: bool,
    pub supervise_selection: bool,
    pub supervise_contracts: bool,
    /// Price and conduct signals (supervision).
    pub signals: bool,
    pub users: bool,
    pub credit_rules: bool,
    pub calendar: bool,
    pub audit: bool,
    pub overdue_reviews: bool,
    /// The platform clock's page: admins, and only on a demo database.
    pub clock: bool,
    /// The department's complaints (`/supervision/complaints`).
    pub complaints: bool,
    /// Complaints against the agency or owner (`/respond/complaints`).
    pub complaints_against_me: bool,
}

/// One form field's value and, when the last submission was refused, its message.
#[derive(Clone, Debug, Default)]
pub struct Field {
    pub value: String,
    pub error: Option<String>,
}

impl Field {
    pub fn new(value: impl Into<String>) -> Self {
        Field {
            value: value.into(),
            error: None,
        }
    }
    pub fn has_error(&self) -> bool {
        self.error.is_some()
    }
    pub fn err(&self) -> &str {
        self.error.as_deref().unwrap_or("")
    }

    /// Puts the message of a locale key (with `{name}` arguments) beside this field.
    pub fn fail(&mut self, lang: crate::i18n::Lang, key: &str, args: &[(&str, String)]) {
        let a: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
        self.error = Some(crate::i18n::tr_args(lang, key, &a));
    }

    /// The value of a field validator, or its message beside this field.
    pub fn check<T>(
        &mut self,
        lang: crate::i18n::Lang,
        r: Result<T, crate::domain::validate::FieldProblem>,
    ) -> Option<T> {
        r.map_err(|e| self.fail(lang, e.key(), &e.args())).ok()
    }
}

/// A page whose title and content blocks render on their own (askama's
/// `blocks = ["title", "content"]`), so the page cache can keep them for everybody and each
/// request frames them in its own layout ([`Framed`]). Implemented with [`shared_blocks!`].
pub trait Blocks {
    /// The rendered title and content blocks.
    fn blocks(&self) -> askama::Result<(String, String)>;
}

/// Implements [`Blocks`] for a template declared with `blocks = ["title", "content"]`.
#[macro_export]
macro_rules! shared_blocks {
    ($t:ty) => {
        impl $crate::web::page::Blocks for $t {
            fn blocks(&self) -> askama::Result<(String, String)> {
                use askama::Template as _;
                Ok((self.as_title().render()?, self.as_content().render()?))
            }
        }
    };
}

/// A page's title and content, rendered before, in the layout of the request at hand.
#[derive(askama::Template)]
#[template(path = "_framed.html")]
pub struct Framed<'a> {
    pub page: Page,
    pub title: &'a str,
    pub content: &'a str,
}
