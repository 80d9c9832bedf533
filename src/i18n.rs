//! Locale files: `locales/<lang>/<feature>.txt`, one `key = value` per line, `#` starts a
//! comment. Every file is embedded in the binary. zh-CN is the default; en must carry the
//! same keys (a test checks). A key missing at run time shows as the key itself and is
//! logged once, so a gap is visible rather than a panic.

use std::collections::HashMap;
use std::sync::OnceLock;

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Lang {
    #[serde(rename = "zh-CN")]
    Zh,
    #[serde(rename = "en")]
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }
    pub fn parse(s: &str) -> Option<Lang> {
        match s.trim() {
            "zh-CN" | "zh" | "zh-cn" | "zh-Hans" => Some(Lang::Zh),
            "en" | "en-US" | "en-GB" => Some(Lang::En),
            _ => None,
        }
    }
    pub fn other(self) -> Lang {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }
}

macro_rules! locale_files {
    ($lang:literal: $($f:literal),*) => {
        &[$( ($f, include_str!(concat!("../locales/", $lang, "/", $f, ".txt"))) ),*]
    };
}

pub const ZH_FILES: &[(&str, &str)] = locale_files!("zh-CN": "common", "auth", "account", "admin", "mail", "validation", "vocab", "catalogue", "agency", "library", "credit", "sanctions", "selection", "calendar", "publication", "bidding", "result", "supervise", "contracts", "fulfilment", "policy", "supervision", "inspections", "complaints", "stats", "ocds", "opendata");
pub const EN_FILES: &[(&str, &str)] = locale_files!("en": "common", "auth", "account", "admin", "mail", "validation", "vocab", "catalogue", "agency", "library", "credit", "sanctions", "selection", "calendar", "publication", "bidding", "result", "supervise", "contracts", "fulfilment", "policy", "supervision", "inspections", "complaints", "stats", "ocds", "opendata");

pub type Catalog = HashMap<String, String>;

/// Parses locale files; duplicate keys are an error so two features cannot silently clash.
pub fn parse(files: &[(&str, &str)]) -> Result<Catalog, String> {
    let mut map = HashMap::new();
    for (name, text) in files {
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let Some((k, v)) = line.split_once('=') else {
                return Err(format!("{name}.txt:{}: expected `key = value`", n + 1));
            };
            let (k, v) = (k.trim().to_string(), v.trim().replace("\\n", "\n"));
            if map.insert(k.clone(), v).is_some() {
                return Err(format!("{name}.txt:{}: duplicate key {k}", n + 1));
            }
        }
    }
    Ok(map)
}

fn catalogs() -> &'static (Catalog, Catalog) {
    static C: OnceLock<(Catalog, Catalog)> = OnceLock::new();
    C.get_or_init(|| {
        let zh = parse(ZH_FILES).unwrap_or_else(|e| {
            tracing::error!("zh-CN locale: {e}");
            HashMap::new()
        });
        let en = parse(EN_FILES).unwrap_or_else(|e| {
            tracing::error!("en locale: {e}");
            HashMap::new()
        });
        (zh, en)
    })
}

/// Looks a key up; `{name}` placeholders are filled by [`tr_args`].
pub fn tr(lang: Lang, key: &str) -> &'static str {
    let (zh, en) = catalogs();
    let cat = match lang {
        Lang::Zh => zh,
        Lang::En => en,
    };
    match cat.get(key) {
        Some(v) => v.as_str(),
        None => {
            tracing::warn!(key, lang = lang.code(), "missing locale key");
            // Leak is bounded: one string per distinct missing key, and missing keys are bugs.
            Box::leak(key.to_string().into_boxed_str())
        }
    }
}

/// `tr` with `{name}` placeholders replaced.
pub fn tr_args(lang: Lang, key: &str, args: &[(&str, &str)]) -> String {
    let mut s = tr(lang, key).to_string();
    for (k, v) in args {
        s = s.replace(&format!("{{{k}}}"), v);
    }
    s
}

/// Looks a key up without the missing-key fallback (for keys that arrive from outside).
pub fn tr_opt(lang: Lang, key: &str) -> Option<&'static str> {
    let (zh, en) = catalogs();
    match lang {
        Lang::Zh => zh.get(key).map(String::as_str),
        Lang::En => en.get(key).map(String::as_str),
    }
}
