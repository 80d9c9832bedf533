//! The account forms, parsed field by field: self-registration of an owner or agency, a staff
//! account created by the administrator, a department. Each function reports every refused
//! field at once (the handler puts each message beside its field); the test that re-checks
//! the demo data calls the same functions. The password is checked apart
//! (`domain::password`): it is never stored in a form that could be checked again.

use super::uscc::Uscc;
use super::validate::{self, Problem};

/// Longest organisation name.
pub const ORG_MAX: usize = 100;
/// Longest department code (it appears in addresses and settings).
pub const DEPARTMENT_CODE_MAX: usize = 32;
pub const DEPARTMENT_ZH_MAX: usize = 60;
pub const DEPARTMENT_EN_MAX: usize = 120;

/// The contact part of an account: who, how to reach them, the sign-in address.
#[derive(Clone, Debug, Default)]
pub struct ContactInput {
    pub contact_name: String,
    pub phone: String,
    pub email: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Contact {
    pub contact_name: String,
    pub phone: String,
    /// Lower-cased: the sign-in address is matched case-insensitively.
    pub email: String,
}

fn contact(i: &ContactInput, p: &mut Vec<Problem>) -> Option<Contact> {
    let name = validate::field(p, "contact_name", validate::person_name(&i.contact_name));
    let phone = validate::field(p, "phone", validate::phone_cn(&i.phone));
    let email = validate::field(p, "email", validate::email(&i.email)).map(|e| e.to_lowercase());
    Some(Contact {
        contact_name: name?,
        phone: phone?,
        email: email?,
    })
}

/// A staff account's contact fields (the role and department are the administrator's
/// choice, checked by the handler against the accounts that exist).
pub fn parse_contact(i: &ContactInput) -> Result<Contact, Vec<Problem>> {
    let mut p = Vec::new();
    match contact(i, &mut p) {
        Some(c) if p.is_empty() => Ok(c),
        _ => Err(p),
    }
}

/// The registration form of an owner or agency, without the password.
#[derive(Clone, Debug, Default)]
pub struct RegistrationInput {
    pub org_name: String,
    pub uscc: String,
    pub contact: ContactInput,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Registration {
    pub org_name: String,
    pub uscc: Uscc,
    pub contact: Contact,
}

pub fn parse_registration(i: &RegistrationInput) -> Result<Registration, Vec<Problem>> {
    let mut p = Vec::new();
    let org = validate::field(
        &mut p,
        "org_name",
        validate::text(&i.org_name, ORG_MAX, true),
    );
    let code = if i.uscc.trim().is_empty() {
        p.push(Problem::new("uscc", "v.required"));
        None
    } else {
        Uscc::parse(&i.uscc)
            .map_err(|e| p.push(Problem::new("uscc", e.key())))
            .ok()
    };
    let c = contact(&i.contact, &mut p);
    match (org, code, c) {
        (Some(org_name), Some(uscc), Some(contact)) if p.is_empty() => Ok(Registration {
            org_name,
            uscc,
            contact,
        }),
        _ => Err(p),
    }
}

/// The department form as typed.
#[derive(Clone, Debug, Default)]
pub struct DepartmentInput {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Department {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
}

/// A department: a short code of letters, digits, `-` and `_` not yet taken (`taken`), and
/// its names in both languages.
pub fn parse_department(i: &DepartmentInput, taken: &[&str]) -> Result<Department, Vec<Problem>> {
    let mut p = Vec::new();
    let code = i.code.trim().to_string();
    if code.is_empty() {
        p.push(Problem::new("code", "v.required"));
    } else if code.len() > DEPARTMENT_CODE_MAX
        || !code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        p.push(Problem::new("code", "admin.departments.code_invalid"));
    } else if taken.contains(&code.as_str()) {
        p.push(Problem::new("code", "admin.departments.code_taken"));
    }
    let zh = validate::field(
        &mut p,
        "name_zh",
        validate::text(&i.name_zh, DEPARTMENT_ZH_MAX, true),
    );
    let en = validate::field(
        &mut p,
        "name_en",
        validate::text(&i.name_en, DEPARTMENT_EN_MAX, true),
    );
    match (zh, en) {
        (Some(name_zh), Some(name_en)) if p.is_empty() => Ok(Department {
            code,
            name_zh,
            name_en,
        }),
        _ => Err(p),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    fn fields(p: &[Problem]) -> Vec<&'static str> {
        p.iter().map(|p| p.field).collect()
    }

    #[test]
    fn registration_reports_every_field() {
        let ok = RegistrationInput {
            org_name: " 米易县人民医院 ".into(),
            uscc: "91350100m000100y43".into(),
            contact: ContactInput {
                contact_name: "周敏".into(),
                phone: "139 0812 0003".into(),
                email: "Owner3@Demo.Zhongjie.CN".into(),
            },
        };
        let r = parse_registration(&ok).unwrap();
        assert_eq!(r.org_name, "米易县人民医院");
        assert_eq!(r.uscc.as_str(), "91350100M000100Y43");
        assert_eq!(r.contact.phone, "13908120003");
        assert_eq!(r.contact.email, "owner3@demo.zhongjie.cn");
        let bad = RegistrationInput {
            org_name: String::new(),
            uscc: "91350100M000100Y44".into(),
            contact: ContactInput {
                contact_name: String::new(),
                phone: "0812-12345".into(),
                email: "nobody".into(),
            },
        };
        assert_eq!(
            fields(&parse_registration(&bad).unwrap_err()),
            vec!["org_name", "uscc", "contact_name", "phone", "email"]
        );
    }

    #[test]
    fn departments_need_a_free_code_and_two_names() {
        let i = DepartmentInput {
            code: "sthjj".into(),
            name_zh: "攀枝花市生态环境局".into(),
            name_en: "Panzhihua Ecology and Environment Bureau".into(),
        };
        assert_eq!(parse_department(&i, &["zjj"]).unwrap().code, "sthjj");
        assert_eq!(
            parse_department(&i, &["sthjj"]).unwrap_err()[0].key,
            "admin.departments.code_taken"
        );
        let bad = DepartmentInput {
            code: "环保".into(),
            name_zh: String::new(),
            ..i
        };
        assert_eq!(
            fields(&parse_department(&bad, &[]).unwrap_err()),
            vec!["code", "name_zh"]
        );
    }
}
