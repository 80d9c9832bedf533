//! Demo agency profiles (managers, practitioners, items offered, certificates) and bulk
//! agencies for load work.
//!
//! `load` completes the five demo agency accounts the way their staff would have: every
//! change goes through the same model functions as the pages, with a version and an audit
//! entry. `generate` is for benchmarks: it writes plain rows in multi-row inserts, 1,000
//! agencies per transaction, with one shared password hash and no per-row audit entries
//! (one entry records the whole run).

use chrono::{Days, NaiveDate};
use diesel::prelude::*;

use crate::db::schema::{
    agencies, agency_certificates, agency_items, agency_managers, agency_search_grams, users,
};
use crate::db::{self, DbConnection, DbError};
use crate::domain::agency_rules;
use crate::domain::catalogue;
use crate::domain::{idcard, search, uscc};
use crate::models::audit::{self, Actor};
use crate::models::{self, agency as ag, catalogue::Item};

struct DemoCert {
    qual_type: &'static str,
    level: i32,
    number: &'static str,
    issuer: &'static str,
    /// Days before today the certificate became valid, and years it is valid for.
    since_days: u64,
    years: u64,
    /// approved / pending; a pending one with `overdue` was submitted long enough ago that
    /// its review is past due.
    status: &'static str,
    overdue: bool,
}

struct DemoProfile {
    email: &'static str,
    legal_rep: &'static str,
    address: &'static str,
    region: &'static str,
    intro: &'static str,
    /// (name, position, id seed)
    managers: &'static [(&'static str, &'static str, u64)],
    /// (name, qualification, certificate number)
    practitioners: &'static [(&'static str, &'static str, &'static str)],
    industries: &'static [&'static str],
    certs: &'static [DemoCert],
}

const PROFILES: &[DemoProfile] = &[
    DemoProfile {
        email: "agency@demo.zhongjie.cn",
        legal_rep: "黄海涛",
        address: "四川省成都市武侯区天府大道北段 1700 号环球中心 E1 区 1205 室",
        region: "sichuan",
        intro: "专业从事建设项目环境影响评价、排污许可技术咨询和环境监测方案编制，在川西南地区完成钒钛、水电、交通类项目环评 300 余项。承诺：按合同约定时限提交报告，收费公开透明，不转包、不挂靠。",
        managers: &[
            ("黄海涛", "执行董事兼总经理", 101),
            ("刘晓梅", "技术负责人", 102),
        ],
        practitioners: &[
            ("刘晓梅", "环境影响评价工程师", "HP00013724"),
            ("陈国栋", "环境影响评价工程师", "HP00021567"),
            ("王思远", "注册环保工程师", "HB5100236"),
        ],
        industries: &["env"],
        certs: &[
            DemoCert {
                qual_type: "engineering_consulting",
                level: 2,
                number: "乙222023010458",
                issuer: "四川省工程咨询协会",
                since_days: 420,
                years: 3,
                status: "approved",
                overdue: false,
            },
            DemoCert {
                qual_type: "water_conservation",
                level: 2,
                number: "水保方案(川)字第0367号",
                issuer: "中国水土保持学会",
                since_days: 30,
                years: 3,
                status: "pending",
                overdue: false,
            },
        ],
    },
    DemoProfile {
        email: "agency2@demo.zhongjie.cn",
        legal_rep: "吴春燕",
        address: "四川省攀枝花市东区炳草岗大街 86 号金海商务大厦 9 楼",
        region: "pzh_dongqu",
        intro: "本地工程造价咨询机构，提供投资估算、设计概算、施工图预算、招标控制价编制和竣工结算审核服务。承诺：控制价编制 7 个工作日内完成，按攀枝花市收费标准下浮收费。",
        managers: &[("吴春燕", "董事长", 201), ("周建平", "总工程师", 202)],
        practitioners: &[
            ("周建平", "一级造价工程师", "建[造]15510004216"),
            ("杨秀兰", "一级造价工程师", "建[造]17510001893"),
            ("马骏", "二级造价工程师", "建[造]25510000357"),
        ],
        industries: &["construction", "investment"],
        certs: &[
            DemoCert {
                qual_type: "cost_consulting",
                level: 0,
                number: "川建造咨备字〔2021〕0158号",
                issuer: "四川省住房和城乡建设厅",
                since_days: 900,
                years: 5,
                status: "approved",
                overdue: false,
            },
            DemoCert {
                qual_type: "engineering_consulting",
                level: 3,
                number: "丙232024020117",
                issuer: "四川省工程咨询协会",
                since_days: 10,
                years: 3,
                status: "pending",
                overdue: false,
            },
        ],
    },
    DemoProfile {
        email: "agency3@demo.zhongjie.cn",
        legal_rep: "孙立军",
        address: "云南省昆明市五华区学府路 131 号",
        region: "yunnan",
        intro: "具有地质灾害危险性评估甲级、工程勘察综合类资质，长期承担川滇交界地区矿山、公路和水电工程的地灾评估与岩土勘察。承诺：野外调查 5 个工作日内进场。",
        managers: &[
            ("孙立军", "院长", 301),
            ("段丽萍", "副院长", 302),
            ("李成武", "总工程师", 303),
        ],
        practitioners: &[
            ("李成武", "注册土木工程师（岩土）", "AY155300467"),
            ("赵永福", "注册土木工程师（岩土）", "AY185300122"),
            ("段丽萍", "注册测绘师", "CH2053000318"),
        ],
        industries: &["land"],
        certs: &[
            DemoCert {
                qual_type: "geo_hazard",
                level: 1,
                number: "云地灾评资甲字第2023001号",
                issuer: "云南省自然资源厅",
                since_days: 600,
                years: 5,
                status: "approved",
                overdue: false,
            },
            DemoCert {
                qual_type: "engineering_survey",
                level: 2,
                number: "B253004127",
                issuer: "云南省住房和城乡建设厅",
                since_days: 800,
                years: 5,
                status: "approved",
                overdue: false,
            },
            DemoCert {
                qual_type: "surveying_mapping",
                level: 2,
                number: "乙测资字53100872",
                issuer: "云南省自然资源厅",
                since_days: 60,
                years: 5,
                status: "pending",
                overdue: true,
            },
        ],
    },
    DemoProfile {
        email: "agency4@demo.zhongjie.cn",
        legal_rep: "郑晓燕",
        address: "重庆市渝北区金开大道 1600 号 2 幢 7-3",
        region: "chongqing",
        intro: "专注水土保持方案编制、水土保持监测和验收技术服务，熟悉西南山区生产建设项目水保要求。承诺：方案报告书 15 个工作日内提交送审稿。",
        managers: &[("郑晓燕", "总经理", 401), ("彭文涛", "技术负责人", 402)],
        practitioners: &[
            ("彭文涛", "注册土木工程师（水利水电工程）", "SL205000146"),
            ("邓佳", "水土保持工程师", "SB2021500087"),
        ],
        industries: &["water"],
        certs: &[
            DemoCert {
                qual_type: "water_conservation",
                level: 1,
                number: "水保方案(渝)字第0023号",
                issuer: "中国水土保持学会",
                since_days: 300,
                years: 3,
                status: "approved",
                overdue: false,
            },
            DemoCert {
                qual_type: "hydrology",
                level: 2,
                number: "水文资乙字第500018号",
                issuer: "重庆市水利局",
                since_days: 5,
                years: 5,
                status: "pending",
                overdue: false,
            },
        ],
    },
    DemoProfile {
        email: "agency5@demo.zhongjie.cn",
        legal_rep: "冯志远",
        address: "北京市海淀区莲花池西路 28 号 6 层 612",
        region: "beijing",
        intro: "测绘甲级单位，提供不动产测绘、地形图测绘、规划核实测量和城乡规划编制服务，可同时承接多地项目。承诺：外业结束后 10 个工作日内提交成果。",
        managers: &[
            ("冯志远", "董事长兼总经理", 501),
            ("高雅琴", "技术总监", 502),
        ],
        practitioners: &[
            ("高雅琴", "注册测绘师", "CH2011100435"),
            ("石磊", "注册测绘师", "CH2015101276"),
            ("韩冰", "注册城乡规划师", "GH2019110384"),
        ],
        industries: &["land"],
        certs: &[
            DemoCert {
                qual_type: "surveying_mapping",
                level: 1,
                number: "甲测资字11100317",
                issuer: "自然资源部",
                since_days: 700,
                years: 5,
                status: "approved",
                overdue: false,
            },
            DemoCert {
                // Expired: shows that an approved certificate stops counting.
                qual_type: "land_planning",
                level: 2,
                number: "自资规乙字110018",
                issuer: "北京市规划和自然资源委员会",
                since_days: 1900,
                years: 5,
                status: "approved",
                overdue: false,
            },
            DemoCert {
                qual_type: "land_planning",
                level: 2,
                number: "自资规乙字110231",
                issuer: "北京市规划和自然资源委员会",
                since_days: 3,
                years: 5,
                status: "pending",
                overdue: false,
            },
        ],
    },
];

/// The fee an agency publishes for an item: within the government range, or its own.
fn offer_for(item: &Item, spread: i64) -> ag::OfferTerms {
    let (min, max, standard) = match item.pricing.as_str() {
        "guided" => {
            let lo = item.price_min_fen.unwrap_or(0);
            let hi = item.price_max_fen.unwrap_or(lo);
            let span = (hi - lo) / 10;
            (
                Some(lo + span * (spread % 3)),
                Some(hi - span * (spread % 2)),
                "执行政府指导价，按项目规模在指导价范围内分档计费，明码标价。",
            )
        }
        "fixed" => (
            item.price_min_fen,
            item.price_max_fen,
            "执行政府定价，不另收取其他费用。",
        ),
        _ => (
            Some(800_000 + 100_000 * (spread % 7)),
            Some(3_000_000 + 500_000 * (spread % 5)),
            "市场调节价：按工作量计费，基本费用加专项费用，报价含税。",
        ),
    };
    ag::OfferTerms {
        fee_standard: standard.to_string(),
        fee_min_fen: min,
        fee_max_fen: max,
        committed_days: (item.time_limit_days * 3 / 4).max(1),
    }
}

fn items_for<'a>(items: &'a [Item], industries: &[&str], take: usize) -> Vec<&'a Item> {
    items
        .iter()
        .filter(|i| industries.contains(&i.industry.as_str()))
        .take(take)
        .collect()
}

/// Completes the profiles of the demo agency accounts. Runs inside the demo transaction;
/// an agency whose legal representative is already filled in is left alone.
pub fn load(c: &mut DbConnection) -> Result<(), DbError> {
    let sys = Actor::system();
    let items = models::catalogue::retained(c)?;
    let today = crate::domain::workdays::today();
    // Reviews are due in working days on the administrator's calendar; the earliest demo
    // submission is a week ago.
    let cal = models::calendar::load_from(c, today - chrono::Duration::days(7))?;
    for (n, p) in PROFILES.iter().enumerate() {
        let Some(u) = models::user::find_by_email(c, p.email)? else {
            continue;
        };
        let Some(a) = ag::find(c, u.id)? else {
            continue;
        };
        if !a.legal_rep.is_empty() {
            continue;
        }
        let id = a.user_id;
        let fields = ag::ProfileFields {
            legal_rep: p.legal_rep.into(),
            address: p.address.into(),
            region: p.region.into(),
            contact_phone: a.contact_phone.clone(),
            affiliated: false,
            affiliated_department_id: None,
            intro: p.intro.into(),
        };
        ag::update_profile(c, id, &fields)?;
        for (name, position, seed) in p.managers {
            let idn = idcard::generate(*seed);
            ag::add_manager(c, id, name, idn.as_str(), position)?;
        }
        for (name, q, number) in p.practitioners {
            ag::add_practitioner(c, id, name, q, number)?;
        }
        for (k, item) in items_for(&items, p.industries, 3).into_iter().enumerate() {
            ag::add_offered(c, id, item.id, &offer_for(item, (n + k) as i64))?;
        }
        for dc in p.certs {
            let from = today
                .checked_sub_days(Days::new(dc.since_days))
                .unwrap_or(today);
            let to = from
                .checked_add_days(Days::new(dc.years * 365))
                .unwrap_or(from);
            // An overdue demo review was submitted a week ago.
            let submitted = if dc.overdue {
                today.checked_sub_days(Days::new(7)).unwrap_or(today)
            } else {
                today
            };
            let new = ag::NewCertificate {
                agency_id: id,
                qual_type: dc.qual_type.into(),
                level: dc.level,
                number: dc.number.into(),
                issuer: dc.issuer.into(),
                valid_from: from,
                valid_to: to,
                upload_id: None,
                review_due: agency_rules::review_due(submitted, 2, &cal),
            };
            let cid = ag::add_certificate(c, &new)?;
            if dc.status == "approved" {
                let reviewer = reviewer_for(c, dc.qual_type)?;
                ag::review_certificate(c, cid, true, Some("材料齐全，予以通过。"), reviewer)?;
            }
        }
        let snap = ag::save_version(c, id, None)?;
        audit::record(c, &sys, "agency.profile.demo", "agency", id, &snap, "demo")?;
    }
    Ok(())
}

/// A regulator of the department that reviews `qual_type` (the demo has one for some), or
/// the first administrator.
fn reviewer_for(c: &mut DbConnection, qual_type: &str) -> QueryResult<i64> {
    let code = agency_rules::reviewing_department(qual_type).unwrap_or("zwfwj");
    let dept: Option<i64> = crate::db::schema::departments::table
        .filter(crate::db::schema::departments::code.eq(code))
        .select(crate::db::schema::departments::id)
        .first(c)
        .optional()?;
    let reg: Option<i64> = users::table
        .filter(users::role.eq("regulator"))
        .filter(users::department_id.eq(dept))
        .select(users::id)
        .first(c)
        .optional()?;
    match reg {
        Some(r) => Ok(r),
        None => users::table
            .filter(users::role.eq("admin"))
            .order(users::id)
            .select(users::id)
            .first(c),
    }
}

// ---------------------------------------------------------------- bulk agencies

/// (name prefix, region, address prefix)
const PLACES: &[(&str, &str, &str)] = &[
    ("攀枝花", "pzh_dongqu", "四川省攀枝花市东区"),
    ("攀枝花市西区", "pzh_xiqu", "四川省攀枝花市西区"),
    ("攀枝花市仁和区", "pzh_renhe", "四川省攀枝花市仁和区"),
    ("米易", "pzh_miyi", "四川省攀枝花市米易县"),
    ("盐边", "pzh_yanbian", "四川省攀枝花市盐边县"),
    ("四川", "sichuan", "四川省成都市高新区"),
    ("成都", "sichuan", "四川省成都市锦江区"),
    ("西昌", "sichuan", "四川省凉山彝族自治州西昌市"),
    ("乐山", "sichuan", "四川省乐山市市中区"),
    ("云南", "yunnan", "云南省昆明市盘龙区"),
    ("昆明", "yunnan", "云南省昆明市官渡区"),
    ("重庆", "chongqing", "重庆市渝中区"),
    ("贵州", "guizhou", "贵州省贵阳市观山湖区"),
    ("北京", "beijing", "北京市朝阳区"),
    ("上海", "shanghai", "上海市徐汇区"),
    ("广东", "guangdong", "广东省广州市天河区"),
    ("武汉", "hubei", "湖北省武汉市洪山区"),
    ("陕西", "shaanxi", "陕西省西安市雁塔区"),
    ("湖南", "hunan", "湖南省长沙市岳麓区"),
    ("江苏", "jiangsu", "江苏省南京市建邺区"),
    ("浙江", "zhejiang", "浙江省杭州市西湖区"),
    ("河南", "other", "河南省郑州市金水区"),
];

const STREETS: &[&str] = &[
    "人民路",
    "建设路",
    "解放路",
    "科技路",
    "天府大道",
    "滨江路",
    "文化路",
    "新华街",
    "长江路",
    "学府路",
    "金沙路",
    "花城大道",
];

const BRAND_A: &[&str] = &[
    "蜀", "川", "华", "中", "金", "宏", "正", "恒", "信", "诚", "天", "安", "广", "泰", "瑞", "鑫",
    "博", "众", "远", "盛", "新", "利", "嘉", "汇", "德", "鸿", "长", "海", "融", "欣",
];
const BRAND_B: &[&str] = &[
    "达", "源", "立", "兴", "明", "科", "通", "业", "和", "成", "禾", "峰", "创", "建", "力", "宇",
    "腾", "丰", "晟", "阳", "辰", "启", "航", "宁", "衡", "璟", "拓", "元", "坤", "信",
];

/// Business words with the catalogue industry they serve and the qualifications they hold.
const TRADES: &[(&str, &str, &[&str])] = &[
    ("环境科技", "env", &["engineering_consulting"]),
    ("环保咨询", "env", &["engineering_consulting"]),
    ("工程咨询", "investment", &["engineering_consulting"]),
    ("工程造价咨询", "construction", &["cost_consulting"]),
    ("测绘", "land", &["surveying_mapping"]),
    ("地质勘查", "land", &["geo_hazard", "engineering_survey"]),
    ("岩土工程", "land", &["engineering_survey", "geo_hazard"]),
    ("规划设计", "land", &["land_planning"]),
    ("建筑设计", "construction", &["engineering_design"]),
    (
        "施工图审查",
        "construction",
        &["construction_drawing_review"],
    ),
    (
        "水利水电勘测设计",
        "water",
        &["water_conservation", "hydrology"],
    ),
    ("水土保持", "water", &["water_conservation"]),
    ("安全技术", "safety", &["safety_evaluation"]),
    ("安全评价", "safety", &["safety_evaluation"]),
    ("交通规划设计", "transport", &["engineering_design"]),
    ("检验检测", "market", &["metrology_testing"]),
    ("地震工程", "construction", &["seismic_evaluation"]),
];

const SUFFIXES: &[&str] = &[
    "有限公司",
    "有限责任公司",
    "股份有限公司",
    "技术服务有限公司",
];
const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "罗", "高", "林", "郑", "梁", "谢", "唐", "邓", "冯", "曾", "彭", "蒋", "苏",
];
const GIVEN: &[&str] = &[
    "建国", "海燕", "志强", "丽华", "明", "静", "伟", "秀英", "国平", "晓东", "俊", "红梅", "文军",
    "雪梅", "永刚", "春兰", "德明", "佳", "磊", "婷",
];
const ISSUERS: &[&str] = &[
    "四川省住房和城乡建设厅",
    "四川省自然资源厅",
    "云南省自然资源厅",
    "重庆市住房和城乡建设委员会",
    "四川省应急管理厅",
    "中国水土保持学会",
    "四川省工程咨询协会",
    "自然资源部",
];

/// splitmix64: a deterministic stream so the same `n` gives the same agencies.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len())]
    }
}

/// Multi-row insert of `rows` (a Vec of column tuples) into `table`; the shared connection
/// type cannot express it, so it is matched per backend.
macro_rules! insert_rows {
    ($conn:expr, $table:expr, $rows:expr) => {
        match $conn {
            DbConnection::Pg(c) => diesel::insert_into($table).values($rows).execute(c),
            DbConnection::Sqlite(c) => diesel::insert_into($table).values($rows).execute(c),
        }
    };
}

/// USCC seeds of generated agencies start here, far beyond the demo accounts (1000 + i).
const SEED_BASE: u64 = 50_000_000;
const BATCH: usize = 1000;

struct Bulk {
    email: String,
    name: String,
    uscc: String,
    region: &'static str,
    address: String,
    contact: String,
    phone: String,
    trade: usize,
}

/// Generates `n` more agencies with profiles, for benchmarks; returns how many were added.
pub fn generate(c: &mut DbConnection, n: usize) -> Result<usize, String> {
    let hash = crate::auth::password::hash_blocking(super::DEMO_PASSWORD)?;
    let items = models::catalogue::retained(c).map_err(|e| e.to_string())?;
    let start: i64 = users::table
        .filter(users::email.like("bulk%@agencies.example"))
        .count()
        .get_result(c)
        .map_err(|e| e.to_string())?;
    let start = usize::try_from(start).unwrap_or(0);
    let today = crate::domain::workdays::today();
    let mut done = 0;
    while done < n {
        let size = BATCH.min(n - done);
        let first = start + done;
        db::write_tx(c, |c| insert_batch(c, first, size, &hash, &items, today))
            .map_err(|e: DbError| e.to_string())?;
        done += size;
    }
    db::write_tx(c, |c| {
        audit::record(
            c,
            &Actor::system(),
            "agency.generate_bulk",
            "agency",
            "bulk",
            &(start, n),
            &format!("{n} agencies"),
        )
    })
    .map_err(|e| e.to_string())?;
    Ok(done)
}

fn insert_batch(
    c: &mut DbConnection,
    first: usize,
    size: usize,
    hash: &str,
    items: &[Item],
    today: NaiveDate,
) -> Result<(), DbError> {
    let now = db::now();
    let mut rng = Rng(first as u64 ^ 0x5A5A_0000);
    let bulk: Vec<Bulk> = (first..first + size)
        .map(|i| {
            let (place, region, addr) = *rng.pick(PLACES);
            let trade = rng.below(TRADES.len());
            let name = format!(
                "{place}{}{}{}{}",
                rng.pick(BRAND_A),
                rng.pick(BRAND_B),
                TRADES[trade].0,
                rng.pick(SUFFIXES)
            );
            Bulk {
                email: format!("bulk{}@agencies.example", i + 1),
                name,
                uscc: uscc::generate(SEED_BASE + i as u64).into_inner(),
                region,
                address: format!(
                    "{addr}{}{}号{}楼",
                    rng.pick(STREETS),
                    1 + rng.below(300),
                    1 + rng.below(25)
                ),
                contact: format!("{}{}", rng.pick(SURNAMES), rng.pick(GIVEN)),
                phone: format!("13{:09}", rng.next() % 1_000_000_000),
                trade,
            }
        })
        .collect();
    for chunk in bulk.chunks(500) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|b| {
                (
                    users::role.eq("agency"),
                    users::email.eq(&b.email),
                    users::password_hash.eq(hash),
                    users::org_name.eq(&b.name),
                    users::uscc.eq(Some(&b.uscc)),
                    users::contact_name.eq(&b.contact),
                    users::phone.eq(&b.phone),
                    users::status.eq("active"),
                    users::email_verified_at.eq(Some(now)),
                    users::locale.eq("zh-CN"),
                    users::is_demo.eq(true),
                    users::created_at.eq(now),
                    users::updated_at.eq(now),
                )
            })
            .collect();
        insert_rows!(c, users::table, &rows)?;
    }
    let emails: Vec<&str> = bulk.iter().map(|b| b.email.as_str()).collect();
    let mut ids: Vec<(String, i64)> = Vec::with_capacity(size);
    for chunk in emails.chunks(500) {
        ids.extend(
            users::table
                .filter(users::email.eq_any(chunk))
                .select((users::email, users::id))
                .load::<(String, i64)>(c)?,
        );
    }
    let ids: std::collections::HashMap<String, i64> = ids.into_iter().collect();
    let with_id: Vec<(i64, &Bulk)> = bulk
        .iter()
        .filter_map(|b| ids.get(&b.email).map(|id| (*id, b)))
        .collect();

    for chunk in with_id.chunks(500) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|(id, b)| {
                (
                    agencies::user_id.eq(*id),
                    agencies::name.eq(&b.name),
                    agencies::uscc.eq(&b.uscc),
                    agencies::legal_rep.eq(&b.contact),
                    agencies::address.eq(&b.address),
                    agencies::region.eq(b.region),
                    agencies::contact_phone.eq(&b.phone),
                    agencies::intro.eq("承诺按合同约定时限完成服务，收费公开透明。"),
                    agencies::status.eq("active"),
                    agencies::version.eq(1),
                    agencies::created_at.eq(now),
                    agencies::updated_at.eq(now),
                )
            })
            .collect();
        insert_rows!(c, agencies::table, &rows)?;
    }

    // Search grams, senior managers, items and certificates, each as multi-row inserts.
    let mut grams: Vec<(String, i64)> = Vec::new();
    let mut managers = Vec::with_capacity(with_id.len());
    let mut offers = Vec::new();
    let mut certs = Vec::new();
    for (id, b) in &with_id {
        for g in search::grams(&b.name) {
            grams.push((g, *id));
        }
        managers.push((
            agency_managers::agency_id.eq(*id),
            agency_managers::name.eq(b.contact.clone()),
            agency_managers::id_number.eq(idcard::generate(*id as u64).into_inner()),
            agency_managers::position.eq("法定代表人"),
            agency_managers::created_at.eq(now),
        ));
        let (_, industry, quals) = TRADES[b.trade];
        let pool: Vec<&Item> = {
            let same: Vec<&Item> = items.iter().filter(|i| i.industry == industry).collect();
            if same.is_empty() {
                items.iter().collect()
            } else {
                same
            }
        };
        if !pool.is_empty() {
            let k = 1 + rng.below(3).min(pool.len() - 1);
            let from = rng.below(pool.len());
            for j in 0..k {
                let item = pool[(from + j) % pool.len()];
                let o = offer_for(item, rng.below(10) as i64);
                offers.push((
                    agency_items::agency_id.eq(*id),
                    agency_items::item_id.eq(item.id),
                    agency_items::fee_standard.eq(o.fee_standard),
                    agency_items::fee_min_fen.eq(o.fee_min_fen),
                    agency_items::fee_max_fen.eq(o.fee_max_fen),
                    agency_items::committed_days.eq(o.committed_days),
                    agency_items::created_at.eq(now),
                ));
            }
        }
        let n_certs = rng.below(3).min(quals.len());
        for q in quals.iter().take(n_certs) {
            let graded = catalogue::qual_type(q).map(|t| t.2).unwrap_or(false);
            let level = if graded { 1 + rng.below(3) as i32 } else { 0 };
            let from = today
                .checked_sub_days(Days::new(30 + rng.next() % 1000))
                .unwrap_or(today);
            let to = today
                .checked_add_days(Days::new(60 + rng.next() % 1500))
                .unwrap_or(today);
            certs.push((
                agency_certificates::agency_id.eq(*id),
                agency_certificates::qual_type.eq(*q),
                agency_certificates::level.eq(level),
                agency_certificates::number.eq(format!("ZZ{}{:08}", &b.uscc[2..6], id)),
                agency_certificates::issuer.eq(*rng.pick(ISSUERS)),
                agency_certificates::valid_from.eq(from),
                agency_certificates::valid_to.eq(to),
                agency_certificates::status.eq("approved"),
                agency_certificates::review_due.eq(from),
                agency_certificates::review_reason.eq(Some("材料齐全，予以通过。")),
                agency_certificates::reviewed_at.eq(Some(now)),
                agency_certificates::created_at.eq(now),
            ));
        }
    }
    for chunk in grams.chunks(4000) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|(g, id)| {
                (
                    agency_search_grams::gram.eq(g.as_str()),
                    agency_search_grams::agency_id.eq(*id),
                )
            })
            .collect();
        insert_rows!(c, agency_search_grams::table, &rows)?;
    }
    for chunk in managers.chunks(1000) {
        insert_rows!(c, agency_managers::table, chunk)?;
    }
    for chunk in offers.chunks(1000) {
        insert_rows!(c, agency_items::table, chunk)?;
    }
    for chunk in certs.chunks(1000) {
        insert_rows!(c, agency_certificates::table, chunk)?;
    }
    Ok(())
}
