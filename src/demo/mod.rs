//! Demo data for a newcomer: the departments of 攀枝花市, an administrator, a regulator per
//! department, project owners and agencies from across China, every one with a login that
//! `zhongjie demo` prints and the README lists, and their history: the catalogue, agency
//! profiles and certificates, credit records, sanctions, model contract texts and three
//! selections at different stages. Nothing here runs unless `demo` is asked for.
//!
//! The history is replayed step by step at the dates it is told to have happened
//! ([`story`]), through the same model functions as the pages, and every step keeps the rules
//! of its forms (`tests/api/platform/demo.rs` re-checks every row). It is deterministic: the same day
//! gives the same data, the same winners and the same contract parties (the README names
//! them).

pub mod agencies;
pub mod announcements;
pub mod catalogue;
pub mod complaints;
pub mod contracts;
pub mod credit;
pub mod inspections;
pub mod sanctions;
pub mod selection;
pub mod story;
pub mod supervision;

use crate::accounts::store::user::NewUser;
use crate::audit::{self, Actor};
use crate::auth::Role;
use crate::db::{self, DbConnection, DbError};
use crate::domain::uscc;
use story::Story;

/// The one password of every demo account (it passes the password policy).
pub const DEMO_PASSWORD: &str = "Zhongjie-Demo-2026";

pub const DEPARTMENTS: &[(&str, &str, &str)] = &[
    (
        "sthjj",
        "攀枝花市生态环境局",
        "Panzhihua Ecology and Environment Bureau",
    ),
    (
        "zjj",
        "攀枝花市住房和城乡建设局",
        "Panzhihua Housing and Urban-Rural Development Bureau",
    ),
    (
        "zrzyj",
        "攀枝花市自然资源和规划局",
        "Panzhihua Natural Resources and Planning Bureau",
    ),
    ("jtj", "攀枝花市交通运输局", "Panzhihua Transport Bureau"),
    ("slj", "攀枝花市水利局", "Panzhihua Water Resources Bureau"),
    (
        "yjj",
        "攀枝花市应急管理局",
        "Panzhihua Emergency Management Bureau",
    ),
    (
        "fgw",
        "攀枝花市发展和改革委员会",
        "Panzhihua Development and Reform Commission",
    ),
    (
        "scjgj",
        "攀枝花市市场监督管理局",
        "Panzhihua Market Regulation Administration",
    ),
    (
        "zwfwj",
        "攀枝花市政务服务管理局",
        "Panzhihua Government Services Administration",
    ),
];

pub struct Login {
    pub role: Role,
    pub email: &'static str,
    pub org: &'static str,
    pub contact: &'static str,
    pub phone: &'static str,
    pub department: Option<&'static str>,
    /// For a self-registered account: the credit code's category and division (GB/T 2260),
    /// where the organisation is registered.
    pub uscc: Option<(&'static str, &'static str)>,
}

pub const LOGINS: &[Login] = &[
    Login {
        role: Role::Admin,
        email: "admin@demo.zhongjie.cn",
        org: "攀枝花市政务服务管理局",
        contact: "王建国",
        phone: "0812-3336001",
        department: Some("zwfwj"),
        uscc: None,
    },
    Login {
        role: Role::Regulator,
        email: "huanbao@demo.zhongjie.cn",
        org: "攀枝花市生态环境局",
        contact: "李雪梅",
        phone: "0812-3336101",
        department: Some("sthjj"),
        uscc: None,
    },
    Login {
        role: Role::Regulator,
        email: "zhujian@demo.zhongjie.cn",
        org: "攀枝花市住房和城乡建设局",
        contact: "张志强",
        phone: "0812-3336102",
        department: Some("zjj"),
        uscc: None,
    },
    Login {
        role: Role::Regulator,
        email: "ziranziyuan@demo.zhongjie.cn",
        org: "攀枝花市自然资源和规划局",
        contact: "陈晓东",
        phone: "0812-3336103",
        department: Some("zrzyj"),
        uscc: None,
    },
    Login {
        role: Role::Regulator,
        email: "shuili@demo.zhongjie.cn",
        org: "攀枝花市水利局",
        contact: "杨丽华",
        phone: "0812-3336104",
        department: Some("slj"),
        uscc: None,
    },
    Login {
        role: Role::Owner,
        email: "owner@demo.zhongjie.cn",
        org: "攀枝花钒钛产业园区开发建设有限公司",
        contact: "刘永红",
        phone: "13908120001",
        department: None,
        uscc: Some(("91", "510400")),
    },
    Login {
        role: Role::Owner,
        email: "owner2@demo.zhongjie.cn",
        org: "攀枝花市东区城市建设投资有限公司",
        contact: "赵文斌",
        phone: "13908120002",
        department: None,
        uscc: Some(("91", "510402")),
    },
    Login {
        role: Role::Owner,
        email: "owner3@demo.zhongjie.cn",
        org: "米易县人民医院",
        contact: "周敏",
        phone: "13908120003",
        department: None,
        uscc: Some(("12", "510421")),
    },
    Login {
        role: Role::Agency,
        email: "agency@demo.zhongjie.cn",
        org: "四川蜀环环境科技有限公司",
        contact: "黄海涛",
        phone: "13808120101",
        department: None,
        uscc: Some(("91", "510107")),
    },
    Login {
        role: Role::Agency,
        email: "agency2@demo.zhongjie.cn",
        org: "攀枝花市正诚工程造价咨询有限公司",
        contact: "吴春燕",
        phone: "13808120102",
        department: None,
        uscc: Some(("91", "510402")),
    },
    Login {
        role: Role::Agency,
        email: "agency3@demo.zhongjie.cn",
        org: "云南地矿勘测设计院有限公司",
        contact: "孙立军",
        phone: "13808120103",
        department: None,
        uscc: Some(("91", "530102")),
    },
    Login {
        role: Role::Agency,
        email: "agency4@demo.zhongjie.cn",
        org: "重庆渝水水土保持技术咨询有限公司",
        contact: "郑晓燕",
        phone: "13808120104",
        department: None,
        uscc: Some(("91", "500112")),
    },
    Login {
        role: Role::Agency,
        email: "agency5@demo.zhongjie.cn",
        org: "北京中测国信测绘科技有限公司",
        contact: "冯志远",
        phone: "13808120105",
        department: None,
        uscc: Some(("91", "110108")),
    },
];

pub struct Report {
    pub created: usize,
}

impl Report {
    pub fn print(&self) {
        if self.created > 0 {
            println!("demo data loaded: {} accounts", self.created);
        } else {
            println!("demo data already present");
        }
        print_logins();
    }
}

pub fn print_logins() {
    println!("demo logins (password for all: {DEMO_PASSWORD}):");
    for l in LOGINS {
        println!("  {:<10} {:<32} {}", l.role.as_str(), l.email, l.org);
    }
    for a in &sanctions::AGENCIES {
        println!("  {:<10} {:<32} {}", Role::Agency.as_str(), a.email, a.org);
    }
    for f in agencies::FIRMS {
        println!("  {:<10} {:<32} {}", Role::Agency.as_str(), f.email, f.org);
    }
}

/// An account as the demo creates it: active, e-mail verified, Chinese, marked as demo.
pub(crate) struct Account<'a> {
    pub role: Role,
    pub email: &'a str,
    pub org: &'a str,
    pub contact: &'a str,
    pub phone: &'a str,
    pub department: Option<&'a str>,
    pub uscc: Option<String>,
}

/// Creates one account (and its library row for an agency), its welcome mail and its audit
/// entry, at the story's time. Returns the new user's id (`None` if the address is taken).
pub(crate) fn create_account(
    c: &mut DbConnection,
    a: &Account<'_>,
    password_hash: &str,
) -> Result<Option<i64>, DbError> {
    let now = db::now();
    let depts = crate::accounts::store::department::all(c)?;
    let new = NewUser {
        role: a.role,
        email: a.email.into(),
        password_hash: password_hash.into(),
        org_name: a.org.into(),
        uscc: a.uscc.clone(),
        contact_name: a.contact.into(),
        phone: a.phone.into(),
        department_id: a
            .department
            .and_then(|code| depts.iter().find(|d| d.code == code))
            .map(|d| d.id),
        status: crate::domain::status::UserStatus::Active,
        email_verified_at: Some(now),
        locale: "zh-CN".into(),
        is_demo: true,
        created_at: now,
        updated_at: now,
    };
    if crate::accounts::store::user::email_taken(c, &new.email)? {
        return Ok(None);
    }
    let id = crate::accounts::store::user::insert(c, &new)?;
    if a.role == Role::Agency {
        let code = new.uscc.clone().unwrap_or_default();
        crate::library::store::agency::create_for_user(c, id, a.org, &code, a.phone)?;
    }
    let (s, b) = crate::mail::compose(
        crate::i18n::Lang::Zh,
        "welcome",
        &[("name", a.contact), ("org", a.org)],
    );
    crate::mail::store::enqueue(c, Some(id), a.email, &s, &b)?;
    let u = crate::accounts::store::user::find(c, id)?.ok_or(diesel::result::Error::NotFound)?;
    audit::record(
        c,
        &Actor::system(),
        "user.create_demo",
        "user",
        id,
        &u.audit_view(),
        "demo",
    )?;
    Ok(Some(id))
}

/// The id of a demo account by e-mail.
pub(crate) fn user_id(c: &mut DbConnection, email: &str) -> Result<i64, DbError> {
    crate::accounts::store::user::find_by_email(c, email)?
        .map(|u| u.id)
        .ok_or_else(|| DbError::invalid(format!("demo: no account {email}")))
}

/// Loads the demo data: accounts, catalogue, profiles, credit, sanctions, model texts and the
/// selections, whose quotes and seeds are sealed under the configured sealing key and opened
/// by the real opening step as this instance (mail links use the configured public address).
/// Running it twice adds nothing the second time.
pub fn load(conn: &mut DbConnection, cfg: &crate::config::Config) -> Result<Report, String> {
    let already = crate::accounts::store::user::find_by_email(conn, LOGINS[0].email)
        .map_err(|e| e.to_string())?;
    if already.is_some() {
        return Ok(Report { created: 0 });
    }
    // Hash outside the transaction: it is the slow part and needs no lock. Every demo
    // account has the same password, so one hash serves them all.
    let hash = crate::auth::password::hash_blocking(DEMO_PASSWORD)?;
    let before = crate::accounts::store::user::count_all(conn).map_err(|e| e.to_string())?;
    db::write_tx(conn, |c| {
        let mut story = Story::new(c)?;
        let launch = story.working_day_from(story.days_ago(story::LAUNCH_DAYS_AGO));
        // The platform opens: departments, the administrator and the regulators.
        story.add(Story::at(launch, 9, 0), move |c| {
            // A database the demo creates is a demo/training database (banner, movable
            // clock); one that already had accounts is not, and stays as it was. Flagged at
            // the launch, before the first account, so the audit chain stays in time order.
            crate::accounts::steps::flag_demo_at_creation(c)?;
            let sys = Actor::system();
            let existing = crate::accounts::store::department::all(c)?;
            for (code, zh, en) in DEPARTMENTS {
                if existing.iter().all(|d| d.code != *code) {
                    let id = crate::accounts::store::department::insert(c, code, zh, en)?;
                    let d = crate::accounts::store::department::find(c, id)?;
                    audit::record(c, &sys, "department.create", "department", id, &d, "demo")?;
                }
            }
            Ok(())
        });
        // Staff first, then the owners and agencies who register that morning.
        for (i, l) in LOGINS.iter().enumerate() {
            let at = if l.role.self_registered() {
                Story::at(launch, 10, i as u32)
            } else {
                Story::at(launch, 9, 10 + i as u32)
            };
            let hash = hash.clone();
            story.add(at, move |c| {
                let code = l
                    .uscc
                    .map(|(kind, division)| uscc::generate_in(kind, division, 1000 + i as u64));
                let a = Account {
                    role: l.role,
                    email: l.email,
                    org: l.org,
                    contact: l.contact,
                    phone: l.phone,
                    department: l.department,
                    uscc: code.map(uscc::Uscc::into_inner),
                };
                create_account(c, &a, &hash)?;
                Ok(())
            });
        }
        catalogue::plan(&mut story, launch);
        agencies::plan(&mut story, launch, &hash);
        sanctions::plan(&mut story, launch, &hash);
        supervision::plan(&mut story);
        credit::plan(&mut story);
        contracts::plan(&mut story);
        inspections::plan(&mut story, &cfg.sealing_key, &hash);
        complaints::plan(&mut story, &hash);
        selection::plan(
            &mut story,
            &cfg.sealing_key,
            &cfg.instance_id,
            &cfg.public_url,
        );
        story.run(c)?;
        // Grades as of today, for the lists.
        crate::credit::store::credit::recompute_all(c, crate::db::today(), 500)?;
        Ok::<_, DbError>(())
    })
    .map_err(|e| e.to_string())?;
    // The first page after loading is planned on real figures (see db::refresh_statistics).
    db::refresh_statistics(conn).map_err(|e| e.to_string())?;
    let after = crate::accounts::store::user::count_all(conn).map_err(|e| e.to_string())?;
    Ok(Report {
        created: usize::try_from(after - before).unwrap_or(0),
    })
}

/// The bulk data of `zhongjie demo --agencies N --announcements M` (load tests, the charts):
/// agencies, then announcements with their history, then every agency regraded and the
/// planner's statistics refreshed.
pub fn bulk(c: &mut DbConnection, agencies: usize, announcements: usize) -> Result<(), String> {
    if agencies > 0 {
        let n = self::agencies::generate(c, agencies)?;
        println!("generated {n} more agencies");
    }
    if announcements > 0 {
        let n = self::announcements::generate(c, announcements)?;
        println!("generated {n} announcements with their history");
    }
    if agencies > 0 || announcements > 0 {
        crate::credit::steps::regrade_all(c, crate::db::today(), 500, "demo")
            .map_err(|e| e.to_string())?;
        crate::db::refresh_statistics(c).map_err(|e| e.to_string())?;
    }
    Ok(())
}
