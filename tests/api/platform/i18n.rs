//! Both locales carry exactly the same keys, and every key the code names exists.

use std::collections::BTreeSet;

#[test]
fn both_locales_have_the_same_keys() {
    let zh =
        zhongjie::i18n::parse(zhongjie::i18n::ZH_FILES).expect("zh-CN parses without duplicates");
    let en = zhongjie::i18n::parse(zhongjie::i18n::EN_FILES).expect("en parses without duplicates");
    let zk: BTreeSet<_> = zh.keys().collect();
    let ek: BTreeSet<_> = en.keys().collect();
    let only_zh: Vec<_> = zk.difference(&ek).collect();
    let only_en: Vec<_> = ek.difference(&zk).collect();
    assert!(
        only_zh.is_empty() && only_en.is_empty(),
        "only in zh-CN: {only_zh:?}\nonly in en: {only_en:?}"
    );
    // English is complete: every text that has Chinese words has English ones (a few
    // measure words such as 家 have no English counterpart and are empty in both senses).
    for (k, v) in &en {
        let zh_v = zh.get(k.as_str()).map(|s| s.trim()).unwrap_or("");
        assert!(
            !v.trim().is_empty() || zh_v.chars().count() <= 1,
            "en {k} is empty"
        );
    }
}

/// Scans the sources and templates for literal keys and checks each exists in zh-CN.
#[test]
fn every_key_used_in_code_and_templates_exists() {
    let zh = zhongjie::i18n::parse(zhongjie::i18n::ZH_FILES).unwrap();
    let mut missing = BTreeSet::new();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    walk(&root.join("src"), &mut files);
    walk(&root.join("templates"), &mut files);
    let prefixes = [
        "auth.",
        "account.",
        "admin.",
        "nav.",
        "home.",
        "err.",
        "site.",
        "footer.",
        "form.",
        "role.",
        "v.",
        "mail.",
        "calendar.",
        "contracts.",
    ];
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap_or_default();
        for piece in text.split('"').skip(1).step_by(2) {
            let plausible = prefixes.iter().any(|p| piece.starts_with(p))
                && piece.len() < 80
                && piece.bytes().all(|b| {
                    b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'_'
                })
                && !piece.ends_with('.')
                && !piece.ends_with(".txt")
                && !piece.ends_with(".html")
                && !piece.ends_with(".rs");
            if plausible && !zh.contains_key(piece) && !piece.starts_with("mail.") {
                missing.insert(format!("{piece} ({})", f.display()));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "keys used but not defined:\n{}",
        missing.into_iter().collect::<Vec<_>>().join("\n")
    );
}

fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs" || x == "html") {
                out.push(p);
            }
        }
    }
}

#[test]
fn mail_texts_exist_for_every_kind() {
    for kind in [
        "verify",
        "reset",
        "password_changed",
        "staff_created",
        "welcome",
    ] {
        for lang in [zhongjie::i18n::Lang::Zh, zhongjie::i18n::Lang::En] {
            assert!(
                zhongjie::i18n::tr_opt(lang, &format!("mail.{kind}.subject")).is_some(),
                "{kind} {lang:?}"
            );
            assert!(
                zhongjie::i18n::tr_opt(lang, &format!("mail.{kind}.body")).is_some(),
                "{kind} {lang:?}"
            );
        }
    }
}
