//! What every page template receives: the language, the signed-in user, the CSRF token for its
//! forms, a flash message from the previous POST, and the current path (for the language
//! switch). Templates call `page.t("key")` for every visible word.

use crate::auth::Role;
use crate::i18n::{self, Lang};

#[derive(Clone, Debug)]
pub struct CurrentUser {
    pub id: i64,
    pub role: Role,
    pub display_name: String,
    pub email: String,
    pub unread: i64,
    /// The department a regulator (or admin) belongs to.
    pub department_id: Option<i64>,
}

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
