//! Demo data for a newcomer: the departments of 攀枝花市, an administrator, a regulator per
//! department, project owners and agencies from across China, every one with a login that
//! `zhongjie demo` prints and the README lists. Nothing here runs unless `demo` is asked for.

pub mod agencies;
pub mod catalogue;
pub mod contracts;
pub mod credit;
pub mod sanctions;
pub mod selection;

use crate::auth::Role;
use crate::db::{self, DbConnection, DbError};
use crate::domain::uscc;
use crate::models::audit::{self, Actor};
use crate::models::{self, user::NewUser};

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
}

pub const LOGINS: &[Login] = &[
    Login {
        role: Role::Admin,
        email: "admin@demo.zhongjie.cn",
        org: "攀枝花市政务服务管理局",
        contact: "王建国",
        phone: "0812-3336001",
        department: Some("zwfwj"),
    },
    Login {
        role: Role::Regulator,
        email: "huanbao@demo.zhongjie.cn",
        org: "攀枝花市生态环境局",
        contact: "李雪梅",
        phone: "0812-3336101",
        department: Some("sthjj"),
    },
    Login {
        role: Role::Regulator,
        email: "zhujian@demo.zhongjie.cn",
        org: "攀枝花市住房和城乡建设局",
        contact: "张志强",
        phone: "0812-3336102",
        department: Some("zjj"),
    },
    Login {
        role: Role::Regulator,
        email: "ziranziyuan@demo.zhongjie.cn",
        org: "攀枝花市自然资源和规划局",
        contact: "陈晓东",
        phone: "0812-3336103",
        department: Some("zrzyj"),
    },
    Login {
        role: Role::Regulator,
        email: "shuili@demo.zhongjie.cn",
        org: "攀枝花市水利局",
        contact: "杨丽华",
        phone: "0812-3336104",
        department: Some("slj"),
    },
    Login {
        role: Role::Owner,
        email: "owner@demo.zhongjie.cn",
        org: "攀枝花钒钛产业园区开发建设有限公司",
        contact: "刘永红",
        phone: "13908120001",
        department: None,
    },
    Login {
        role: Role::Owner,
        email: "owner2@demo.zhongjie.cn",
        org: "攀枝花市东区城市建设投资有限公司",
        contact: "赵文斌",
        phone: "13908120002",
        department: None,
    },
    Login {
        role: Role::Owner,
        email: "owner3@demo.zhongjie.cn",
        org: "米易县人民医院",
        contact: "周敏",
        phone: "13908120003",
        department: None,
    },
    Login {
        role: Role::Agency,
        email: "agency@demo.zhongjie.cn",
        org: "四川蜀环环境科技有限公司",
        contact: "黄海涛",
        phone: "13808120101",
        department: None,
    },
    Login {
        role: Role::Agency,
        email: "agency2@demo.zhongjie.cn",
        org: "攀枝花市正诚工程造价咨询有限公司",
        contact: "吴春燕",
        phone: "13808120102",
        department: None,
    },
    Login {
        role: Role::Agency,
        email: "agency3@demo.zhongjie.cn",
        org: "云南地矿勘测设计院有限公司",
        contact: "孙立军",
        phone: "13808120103",
        department: None,
    },
    Login {
        role: Role::Agency,
        email: "agency4@demo.zhongjie.cn",
        org: "重庆渝水水土保持技术咨询有限公司",
        contact: "郑晓燕",
        phone: "13808120104",
        department: None,
    },
    Login {
        role: Role::Agency,
        email: "agency5@demo.zhongjie.cn",
        org: "北京中测国信测绘科技有限公司",
        contact: "冯志远",
        phone: "13808120105",
        department: None,
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
}

/// Loads the demo data. Running it twice adds nothing the second time.
pub fn load(conn: &mut DbConnection) -> Result<Report, String> {
    let already = models::user::find_by_email(conn, LOGINS[0].email).map_err(|e| e.to_string())?;
    if already.is_some() {
        return Ok(Report { created: 0 });
    }
    // Hash outside the transaction: it is the slow part and needs no lock.
    let hashes: Vec<String> = LOGINS
        .iter()
        .map(|_| crate::auth::password::hash_blocking(DEMO_PASSWORD))
        .collect::<Result<_, _>>()?;
    let sanctions_hash = hashes.first().cloned().unwrap_or_default();
    let created = db::write_tx(conn, |c| {
        let sys = Actor::system();
        let existing = models::department::all(c)?;
        for (code, zh, en) in DEPARTMENTS {
            if existing.iter().all(|d| d.code != *code) {
                let id = models::department::insert(c, code, zh, en)?;
                let d = models::department::find(c, id)?;
                audit::record(c, &sys, "department.create", "department", id, &d, "demo")?;
            }
        }
        let depts = models::department::all(c)?;
        let mut n = 0;
        for (i, (l, hash)) in LOGINS.iter().zip(hashes).enumerate() {
            let now = db::now();
            let new = NewUser {
                role: l.role.as_str().into(),
                email: l.email.into(),
                password_hash: hash,
                org_name: l.org.into(),
                uscc: l
                    .role
                    .self_registered()
                    .then(|| uscc::generate(1000 + i as u64).as_str().to_string()),
                contact_name: l.contact.into(),
                phone: l.phone.into(),
                department_id: l
                    .department
                    .and_then(|code| depts.iter().find(|d| d.code == code))
                    .map(|d| d.id),
                status: "active".into(),
                email_verified_at: Some(now),
                locale: "zh-CN".into(),
                is_demo: true,
                created_at: now,
                updated_at: now,
            };
            if let Ok(id) = models::user::insert(c, &new)? {
                if l.role == Role::Agency {
                    let code = new.uscc.clone().unwrap_or_default();
                    models::agency::create_for_user(c, id, l.org, &code, l.phone)?;
                }
                let (s, b) = crate::mail::compose(
                    crate::i18n::Lang::Zh,
                    "welcome",
                    &[("name", l.contact), ("org", l.org)],
                );
                models::mail::enqueue(c, Some(id), l.email, &s, &b)?;
                let u = models::user::find(c, id)?.ok_or(diesel::result::Error::NotFound)?;
                audit::record(
                    c,
                    &sys,
                    "user.create_demo",
                    "user",
                    id,
                    &u.audit_view(),
                    "demo",
                )?;
                n += 1;
            }
        }
        catalogue::load(c)?;
        agencies::load(c)?;
        sanctions::load(c, &sanctions_hash)?;
        credit::load(c)?;
        contracts::load(c)?;
        Ok::<_, DbError>(n)
    })
    .map_err(|e| e.to_string())?;
    Ok(Report { created })
}
