//! Demo agency profiles (managers, practitioners, items offered, certificates), the other
//! firms that take part in the demo selections, and bulk agencies for load work.
//!
//! [`plan`] completes the five demo agency accounts and registers the other firms the way
//! their staff would have, each step at its date in the story: the profile on the day of
//! registration, each certificate when it was submitted and approved by the regulator of its
//! type. Every change goes through the same model functions as the pages, with a version and
//! an audit entry, and every value keeps the rules of its form (`domain::agency_rules`). An
//! agency offers only the items of its trade, and holds the qualifications they require.
//! `generate` is for benchmarks: it writes plain rows in multi-row inserts, 1,000 agencies
//! per transaction, with one shared password hash and no per-row audit entries (one entry
//! records the whole run).

use chrono::{Days, NaiveDate};
use diesel::prelude::*;

use super::story::Story;
use crate::audit::{self, Actor};
use crate::auth::Role;
use crate::catalogue::store::Item;
use crate::db::schema::{
    agencies, agency_certificates, agency_items, agency_managers, agency_search_grams, users,
};
use crate::db::{self, DbConnection, DbError};
use crate::domain::agency_rules;
use crate::domain::catalogue;
use crate::domain::money::Money;
use crate::domain::status::{AgencyStatus, ReviewStatus, UserStatus};
use crate::domain::{idcard, search, uscc};
use crate::library::store::agency as ag;

/// Where a certificate's review stands today.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Review {
    /// Approved by the regulator the working day after it was submitted.
    Approved,
    /// Submitted on the last working day: the review is not due yet.
    Pending,
    /// Submitted five working days ago and not reviewed: past its due day.
    Overdue,
}

pub struct DemoCert {
    pub qual_type: &'static str,
    pub level: i32,
    pub number: &'static str,
    pub issuer: &'static str,
    /// Days before today the certificate was issued (its first valid day), and the years it
    /// is valid for.
    pub issued_days_ago: i64,
    pub years: u64,
    pub review: Review,
}

pub struct DemoProfile {
    pub email: &'static str,
    pub legal_rep: &'static str,
    pub address: &'static str,
    pub region: &'static str,
    pub intro: &'static str,
    /// (name, position, id seed)
    pub managers: &'static [(&'static str, &'static str, u64)],
    /// (name, qualification, certificate number)
    pub practitioners: &'static [(&'static str, &'static str, &'static str)],
    /// Catalogue codes of the items offered: the agency's trade only.
    pub items: &'static [&'static str],
    pub certs: &'static [DemoCert],
}

/// Another firm with its login: it registers some weeks after the launch and takes part in
/// the demo selections.
pub struct Firm {
    pub email: &'static str,
    pub org: &'static str,
    pub contact: &'static str,
    pub phone: &'static str,
    /// Where its credit code says it is registered (GB/T 2260).
    pub division: &'static str,
    pub profile: DemoProfile,
}

pub const PROFILES: &[DemoProfile] = &[
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
        items: &["PZH-HB-001", "PZH-HB-002", "PZH-HB-003", "PZH-HB-004"],
        certs: &[
            DemoCert {
                qual_type: "engineering_consulting",
                level: 2,
                number: "乙222023010458",
                issuer: "四川省工程咨询协会",
                issued_days_ago: 420,
                years: 3,
                review: Review::Approved,
            },
            DemoCert {
                qual_type: "water_conservation",
                level: 2,
                number: "水保方案(川)字第0367号",
                issuer: "中国水土保持学会",
                issued_days_ago: 30,
                years: 3,
                review: Review::Pending,
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
        items: &["PZH-ZJ-002", "PZH-FG-004"],
        certs: &[
            DemoCert {
                qual_type: "cost_consulting",
                level: 0,
                number: "川建造咨备字〔2021〕0158号",
                issuer: "四川省住房和城乡建设厅",
                issued_days_ago: 900,
                years: 5,
                review: Review::Approved,
            },
            DemoCert {
                qual_type: "engineering_consulting",
                level: 3,
                number: "丙232024020117",
                issuer: "四川省工程咨询协会",
                issued_days_ago: 10,
                years: 3,
                review: Review::Pending,
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
        items: &["PZH-ZR-001", "PZH-ZR-002", "PZH-ZJ-003", "PZH-ZJ-004"],
        certs: &[
            DemoCert {
                qual_type: "geo_hazard",
                level: 1,
                number: "云地灾评资甲字第2023001号",
                issuer: "云南省自然资源厅",
                issued_days_ago: 600,
                years: 5,
                review: Review::Approved,
            },
            DemoCert {
                qual_type: "engineering_survey",
                level: 2,
                number: "B253004127",
                issuer: "云南省住房和城乡建设厅",
                issued_days_ago: 800,
                years: 5,
                review: Review::Approved,
            },
            DemoCert {
                qual_type: "surveying_mapping",
                level: 2,
                number: "乙测资字53100872",
                issuer: "云南省自然资源厅",
                issued_days_ago: 60,
                years: 5,
                review: Review::Overdue,
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
        items: &["PZH-SL-001", "PZH-SL-002", "PZH-SL-003"],
        certs: &[
            DemoCert {
                qual_type: "water_conservation",
                level: 1,
                number: "水保方案(渝)字第0023号",
                issuer: "中国水土保持学会",
                issued_days_ago: 300,
                years: 3,
                review: Review::Approved,
            },
            DemoCert {
                qual_type: "hydrology",
                level: 2,
                number: "水文资乙字第500018号",
                issuer: "重庆市水利局",
                issued_days_ago: 5,
                years: 5,
                review: Review::Pending,
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
        items: &["PZH-ZR-003", "PZH-ZR-004", "PZH-ZR-007"],
        certs: &[
            DemoCert {
                qual_type: "surveying_mapping",
                level: 1,
                number: "甲测资字11100317",
                issuer: "自然资源部",
                issued_days_ago: 700,
                years: 5,
                review: Review::Approved,
            },
            DemoCert {
                // Approved while valid, expired since: shows that it stops counting.
                qual_type: "land_planning",
                level: 2,
                number: "自资规乙字110018",
                issuer: "北京市规划和自然资源委员会",
                issued_days_ago: 1900,
                years: 5,
                review: Review::Approved,
            },
            DemoCert {
                qual_type: "land_planning",
                level: 2,
                number: "自资规乙字110231",
                issuer: "北京市规划和自然资源委员会",
                issued_days_ago: 3,
                years: 5,
                review: Review::Pending,
            },
        ],
    },
];

/// A cost-consulting filing (工程造价咨询 is registered, not graded).
const fn cost_filing(number: &'static str, issued_days_ago: i64) -> DemoCert {
    DemoCert {
        qual_type: "cost_consulting",
        level: 0,
        number,
        issuer: "四川省住房和城乡建设厅",
        issued_days_ago,
        years: 5,
        review: Review::Approved,
    }
}

const fn water_rating(level: i32, number: &'static str, issued_days_ago: i64) -> DemoCert {
    DemoCert {
        qual_type: "water_conservation",
        level,
        number,
        issuer: "中国水土保持学会",
        issued_days_ago,
        years: 3,
        review: Review::Approved,
    }
}

/// The firms that take part in the demo selections with the five agencies above: three
/// environmental-assessment firms, three cost consultants and five soil-and-water firms.
pub const FIRMS: &[Firm] = &[
    Firm {
        email: "huanping1@demo.zhongjie.cn",
        org: "成都川环环境工程咨询有限公司",
        contact: "李俊",
        phone: "13808120301",
        division: "510104",
        profile: DemoProfile {
            email: "huanping1@demo.zhongjie.cn",
            legal_rep: "李俊",
            address: "四川省成都市锦江区东大街紫东楼段 35 号 18 楼",
            region: "sichuan",
            intro: "从事建设项目环境影响评价、环境监测方案和竣工环境保护验收咨询，熟悉四川省钒钛、化工和市政基础设施项目的环评要求。",
            managers: &[("李俊", "总经理", 611), ("罗佳", "技术负责人", 612)],
            practitioners: &[("罗佳", "环境影响评价工程师", "HP00018433")],
            items: &["PZH-HB-001", "PZH-HB-002", "PZH-HB-004"],
            certs: &[],
        },
    },
    Firm {
        email: "huanping2@demo.zhongjie.cn",
        org: "攀枝花市绿源环保科技有限公司",
        contact: "王丽",
        phone: "13808120302",
        division: "510403",
        profile: DemoProfile {
            email: "huanping2@demo.zhongjie.cn",
            legal_rep: "王丽",
            address: "四川省攀枝花市西区清香坪街道新宏路 12 号",
            region: "pzh_xiqu",
            intro: "本地环保技术服务机构，提供环境影响报告书（表）编制、排污许可申报和突发环境事件应急预案编制，可随时到现场踏勘。",
            managers: &[("王丽", "执行董事", 621)],
            practitioners: &[("赵明", "环境影响评价工程师", "HP00025519")],
            items: &["PZH-HB-001", "PZH-HB-002", "PZH-HB-003"],
            certs: &[],
        },
    },
    Firm {
        email: "huanping3@demo.zhongjie.cn",
        org: "云南滇清环境科学研究院有限公司",
        contact: "杨凯",
        phone: "13808120303",
        division: "530111",
        profile: DemoProfile {
            email: "huanping3@demo.zhongjie.cn",
            legal_rep: "杨凯",
            address: "云南省昆明市官渡区春城路 289 号",
            region: "yunnan",
            intro: "承担云南、四川两省交通、水利、工业园区项目的环境影响评价和规划环评，设有自有检测实验室。",
            managers: &[("杨凯", "院长", 631), ("普丽", "总工程师", 632)],
            practitioners: &[("普丽", "环境影响评价工程师", "HP00030871")],
            items: &["PZH-HB-001", "PZH-HB-002"],
            certs: &[],
        },
    },
    Firm {
        email: "zaojia1@demo.zhongjie.cn",
        org: "四川华衡工程造价咨询事务所有限公司",
        contact: "陈静",
        phone: "13808120304",
        division: "510106",
        profile: DemoProfile {
            email: "zaojia1@demo.zhongjie.cn",
            legal_rep: "陈静",
            address: "四川省成都市金牛区一环路北三段 88 号",
            region: "sichuan",
            intro: "提供工程量清单和招标控制价编制、全过程造价控制和竣工结算审核，完成市政和城市更新项目造价咨询 500 余项。",
            managers: &[("陈静", "所长", 641)],
            practitioners: &[("黄志刚", "一级造价工程师", "建[造]13510002791")],
            items: &["PZH-ZJ-002", "PZH-FG-004", "PZH-ZJ-004"],
            certs: &[cost_filing("川建造咨备字〔2020〕0471号", 1200)],
        },
    },
    Firm {
        email: "zaojia2@demo.zhongjie.cn",
        org: "攀枝花市仁和建信工程造价咨询有限公司",
        contact: "张伟",
        phone: "13808120305",
        division: "510411",
        profile: DemoProfile {
            email: "zaojia2@demo.zhongjie.cn",
            legal_rep: "张伟",
            address: "四川省攀枝花市仁和区攀枝花大道南段 1010 号",
            region: "pzh_renhe",
            intro: "本地造价咨询机构，熟悉攀枝花市建设工程计价依据和材料价格信息，承接老旧小区改造、道路和学校项目的控制价编制。",
            managers: &[("张伟", "总经理", 651)],
            practitioners: &[("李娟", "二级造价工程师", "建[造]25510001142")],
            items: &["PZH-ZJ-002"],
            certs: &[cost_filing("川建造咨备字〔2022〕0233号", 800)],
        },
    },
    Firm {
        email: "zaojia3@demo.zhongjie.cn",
        org: "重庆中渝工程造价咨询有限公司",
        contact: "刘洋",
        phone: "13808120306",
        division: "500103",
        profile: DemoProfile {
            email: "zaojia3@demo.zhongjie.cn",
            legal_rep: "刘洋",
            address: "重庆市渝中区民族路 188 号 21 楼",
            region: "chongqing",
            intro: "工程造价咨询和全过程工程咨询服务，在川渝两地设有项目部，承诺控制价编制 10 个工作日内完成。",
            managers: &[("刘洋", "执行董事", 661)],
            practitioners: &[("唐敏", "一级造价工程师", "建[造]14500003358")],
            items: &["PZH-ZJ-002", "PZH-ZJ-004"],
            certs: &[DemoCert {
                qual_type: "cost_consulting",
                level: 0,
                number: "渝建造咨备字〔2021〕0312号",
                issuer: "重庆市住房和城乡建设委员会",
                issued_days_ago: 1000,
                years: 5,
                review: Review::Approved,
            }],
        },
    },
    Firm {
        email: "shuibao1@demo.zhongjie.cn",
        org: "四川川水水利水电勘测设计有限公司",
        contact: "周强",
        phone: "13808120307",
        division: "510107",
        profile: DemoProfile {
            email: "shuibao1@demo.zhongjie.cn",
            legal_rep: "周强",
            address: "四川省成都市武侯区人民南路四段 45 号",
            region: "sichuan",
            intro: "水利水电勘测设计单位，提供水土保持方案、洪水影响评价和水资源论证，参与金沙江、雅砻江流域多个项目。",
            managers: &[("周强", "董事长", 671), ("何平", "总工程师", 672)],
            practitioners: &[("何平", "注册土木工程师（水利水电工程）", "SL205100233")],
            items: &["PZH-SL-001", "PZH-SL-002", "PZH-SL-003"],
            certs: &[water_rating(1, "水保方案(川)字第0102号", 500)],
        },
    },
    Firm {
        email: "shuibao2@demo.zhongjie.cn",
        org: "攀枝花市金沙水土保持技术服务有限公司",
        contact: "何军",
        phone: "13808120308",
        division: "510402",
        profile: DemoProfile {
            email: "shuibao2@demo.zhongjie.cn",
            legal_rep: "何军",
            address: "四川省攀枝花市东区机场路 36 号",
            region: "pzh_dongqu",
            intro: "本地水土保持方案编制和监测单位，熟悉攀西干热河谷区的水土流失防治要求。",
            managers: &[("何军", "总经理", 681)],
            practitioners: &[("苏燕", "水土保持工程师", "SB2019510146")],
            items: &["PZH-SL-001"],
            certs: &[water_rating(3, "水保方案(川)字第0589号", 400)],
        },
    },
    Firm {
        email: "shuibao3@demo.zhongjie.cn",
        org: "云南绿水青山生态工程咨询有限公司",
        contact: "段敏",
        phone: "13808120309",
        division: "530102",
        profile: DemoProfile {
            email: "shuibao3@demo.zhongjie.cn",
            legal_rep: "段敏",
            address: "云南省昆明市五华区滇缅大道 2411 号",
            region: "yunnan",
            intro: "生态修复和水土保持咨询，承担滇中、川南地区公路、矿山和工业园区的水土保持方案编制。",
            managers: &[("段敏", "执行董事", 691)],
            practitioners: &[("李云", "水土保持工程师", "SB2020530077")],
            items: &["PZH-SL-001", "PZH-SL-003"],
            certs: &[],
        },
    },
    Firm {
        email: "shuibao4@demo.zhongjie.cn",
        org: "贵州黔源水土保持咨询有限公司",
        contact: "吴涛",
        phone: "13808120310",
        division: "520115",
        profile: DemoProfile {
            email: "shuibao4@demo.zhongjie.cn",
            legal_rep: "吴涛",
            address: "贵州省贵阳市观山湖区林城西路 95 号",
            region: "guizhou",
            intro: "专注喀斯特山区生产建设项目的水土保持方案编制和设施验收。",
            managers: &[("吴涛", "总经理", 701)],
            practitioners: &[("龙芳", "水土保持工程师", "SB2018520031")],
            items: &["PZH-SL-001"],
            certs: &[],
        },
    },
    Firm {
        email: "shuibao5@demo.zhongjie.cn",
        org: "湖北长江水保科技有限公司",
        contact: "黄磊",
        phone: "13808120311",
        division: "420111",
        profile: DemoProfile {
            email: "shuibao5@demo.zhongjie.cn",
            legal_rep: "黄磊",
            address: "湖北省武汉市洪山区珞喻路 1037 号",
            region: "hubei",
            intro: "长江流域水土保持方案、监测和洪水影响评价技术服务。",
            managers: &[("黄磊", "董事长", 711)],
            practitioners: &[("程亮", "注册土木工程师（水利水电工程）", "SL204200318")],
            items: &["PZH-SL-001", "PZH-SL-002"],
            certs: &[water_rating(2, "水保方案(鄂)字第0215号", 600)],
        },
    },
];

/// The fee an agency publishes for an item: within the government range, or its own.
fn offer_for(item: &Item, spread: i64) -> ag::OfferTerms {
    let (min, max, standard) = match item.pricing.as_str() {
        "guided" => {
            let lo = item.price_min_fen.map(Money::fen).unwrap_or(0);
            let hi = item.price_max_fen.map(Money::fen).unwrap_or(lo);
            let span = (hi - lo) / 10;
            (
                Some(lo + span * (spread % 3)),
                Some(hi - span * (spread % 2)),
                "执行政府指导价，按项目规模在指导价范围内分档计费，明码标价。",
            )
        }
        "fixed" => (
            item.price_min_fen.map(Money::fen),
            item.price_max_fen.map(Money::fen),
            "执行政府定价，不另收取其他费用。",
        ),
        // Reports for large projects run to hundreds of thousands of yuan.
        _ => (
            Some(1_000_000 + 200_000 * (spread % 5)),
            Some(40_000_000 - 2_000_000 * (spread % 4)),
            "市场调节价：按工作量计费，基本费用加专项费用，报价含税。",
        ),
    };
    ag::OfferTerms {
        fee_standard: standard.to_string(),
        fee_min_fen: min.map(Money::from_fen),
        fee_max_fen: max.map(Money::from_fen),
        committed_days: (item.time_limit_days * 3 / 4).max(1),
    }
}

/// Adds the agencies' history to the story: the five demo agencies complete their profiles
/// on the day they register (the launch), the other firms register over the following
/// months; certificates are submitted when issued (or on registration) and approved the next
/// working day, except the pending ones, submitted lately.
pub fn plan(story: &mut Story<'_>, launch: NaiveDate, password_hash: &str) {
    for (n, p) in PROFILES.iter().enumerate() {
        plan_profile(story, p, launch, n);
    }
    for (i, f) in FIRMS.iter().enumerate() {
        let n = PROFILES.len() + i;
        let day = story.working_day_from(launch + chrono::Duration::days(40 + 25 * i as i64));
        let hash = password_hash.to_string();
        story.add(Story::at(day, 9, 30), move |c| {
            let a = super::Account {
                role: Role::Agency,
                email: f.email,
                org: f.org,
                contact: f.contact,
                phone: f.phone,
                department: None,
                uscc: Some(uscc::generate_in("91", f.division, 3000 + i as u64).into_inner()),
            };
            super::create_account(c, &a, &hash)?;
            Ok(())
        });
        plan_profile(story, &f.profile, day, n);
    }
}

/// The profile of one agency on `day` (after its registration that morning), then its
/// certificates.
fn plan_profile(story: &mut Story<'_>, p: &'static DemoProfile, day: NaiveDate, n: usize) {
    story.add(Story::at(day, 14, n as u32 % 60), move |c| {
        fill_profile(c, p, n)
    });
    for (k, dc) in p.certs.iter().enumerate() {
        let minute = (n as u32 * 3 + k as u32) % 60;
        let issued = story.days_ago(dc.issued_days_ago);
        let submitted = match dc.review {
            Review::Approved => Story::at(
                story.working_day_from(issued.max(day + Days::new(1))),
                15,
                minute,
            ),
            Review::Pending => Story::at(story.working_days_ago(1), 17, minute),
            Review::Overdue => Story::at(story.working_days_ago(5), 11, minute),
        };
        let to = issued
            .checked_add_days(Days::new(dc.years * 365))
            .unwrap_or(issued);
        story.add(submitted, move |c| {
            let id = super::user_id(c, p.email)?;
            let settings = crate::accounts::store::settings::load(c)?;
            let review_days = u32::try_from(settings.get("cert_review_working_days")).unwrap_or(2);
            let today = crate::db::today();
            let cal = crate::accounts::store::calendar::load_from(c, today)?;
            let new = ag::NewCertificate {
                agency_id: id,
                qual_type: dc.qual_type.into(),
                level: dc.level,
                number: dc.number.into(),
                issuer: dc.issuer.into(),
                valid_from: issued,
                valid_to: to,
                upload_id: None,
                review_due: agency_rules::review_due(today, review_days, &cal),
            };
            ag::add_certificate(c, &new)?;
            let snap = ag::save_version(c, id, Some(id))?;
            audit::record(
                c,
                &Actor::user(id, Role::Agency),
                "agency.certificate.add",
                "agency",
                id,
                &snap,
                dc.qual_type,
            )?;
            Ok(())
        });
        if dc.review == Review::Approved {
            let day = story.add_working_days(crate::domain::publication::china_day(submitted), 1);
            story.add(Story::at(day, 10, minute), move |c| {
                let id = super::user_id(c, p.email)?;
                let Some(cert) = ag::certificates(c, id)?
                    .into_iter()
                    .find(|x| x.number == dc.number)
                else {
                    return Ok(());
                };
                let reviewer = reviewer_for(c, dc.qual_type)?;
                if !ag::review_certificate(
                    c,
                    cert.id,
                    true,
                    Some("材料齐全，予以通过。"),
                    reviewer,
                )? {
                    return Ok(());
                }
                ag::save_version(c, id, Some(reviewer))?;
                let cert = ag::find_certificate(c, cert.id)?;
                let role = crate::accounts::store::user::find(c, reviewer)?
                    .map_or(Role::Regulator, |u| u.role);
                audit::record(
                    c,
                    &Actor::user(reviewer, role),
                    "agency.certificate.approve",
                    "agency_certificate",
                    cert.as_ref().map(|x| x.id).unwrap_or_default(),
                    &cert,
                    "材料齐全，予以通过。",
                )?;
                Ok(())
            });
        }
    }
}

/// The basics, senior managers, practitioners and items offered of one agency, saved as one
/// version (an agency whose legal representative is filled in already is left alone).
fn fill_profile(c: &mut DbConnection, p: &DemoProfile, n: usize) -> Result<(), DbError> {
    let id = super::user_id(c, p.email)?;
    let Some(a) = ag::find(c, id)? else {
        return Ok(());
    };
    if !a.legal_rep.is_empty() {
        return Ok(());
    }
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
    let items = crate::catalogue::store::retained(c)?;
    for (k, code) in p.items.iter().enumerate() {
        if let Some(item) = items.iter().find(|i| i.code == *code) {
            ag::add_offered(c, id, item.id, &offer_for(item, (n + k) as i64))?;
        }
    }
    let snap = ag::save_version(c, id, Some(id))?;
    audit::record(
        c,
        &Actor::user(id, Role::Agency),
        "agency.profile.demo",
        "agency",
        id,
        &snap,
        "demo",
    )?;
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
        .filter(users::role.eq(Role::Regulator))
        .filter(users::department_id.eq(dept))
        .select(users::id)
        .first(c)
        .optional()?;
    match reg {
        Some(r) => Ok(r),
        None => users::table
            .filter(users::role.eq(Role::Admin))
            .order(users::id)
            .select(users::id)
            .first(c),
    }
}

// ---------------------------------------------------------------- bulk agencies

/// (name prefix, region, address prefix, division of the registration authority)
const PLACES: &[(&str, &str, &str, &str)] = &[
    ("攀枝花", "pzh_dongqu", "四川省攀枝花市东区", "510402"),
    ("攀枝花市西区", "pzh_xiqu", "四川省攀枝花市西区", "510403"),
    (
        "攀枝花市仁和区",
        "pzh_renhe",
        "四川省攀枝花市仁和区",
        "510411",
    ),
    ("米易", "pzh_miyi", "四川省攀枝花市米易县", "510421"),
    ("盐边", "pzh_yanbian", "四川省攀枝花市盐边县", "510422"),
    ("四川", "sichuan", "四川省成都市高新区", "510100"),
    ("成都", "sichuan", "四川省成都市锦江区", "510104"),
    ("西昌", "sichuan", "四川省凉山彝族自治州西昌市", "513401"),
    ("乐山", "sichuan", "四川省乐山市市中区", "511102"),
    ("云南", "yunnan", "云南省昆明市盘龙区", "530103"),
    ("昆明", "yunnan", "云南省昆明市官渡区", "530111"),
    ("重庆", "chongqing", "重庆市渝中区", "500103"),
    ("贵州", "guizhou", "贵州省贵阳市观山湖区", "520115"),
    ("北京", "beijing", "北京市朝阳区", "110105"),
    ("上海", "shanghai", "上海市徐汇区", "310104"),
    ("广东", "guangdong", "广东省广州市天河区", "440106"),
    ("武汉", "hubei", "湖北省武汉市洪山区", "420111"),
    ("陕西", "shaanxi", "陕西省西安市雁塔区", "610113"),
    ("湖南", "hunan", "湖南省长沙市岳麓区", "430104"),
    ("江苏", "jiangsu", "江苏省南京市建邺区", "320105"),
    ("浙江", "zhejiang", "浙江省杭州市西湖区", "330106"),
    ("河南", "other", "河南省郑州市金水区", "410105"),
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
pub(super) struct Rng(pub(super) u64);

impl Rng {
    pub(super) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub(super) fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    pub(super) fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
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
pub(super) use insert_rows;

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
    let items = crate::catalogue::store::retained(c).map_err(|e| e.to_string())?;
    let start: i64 = users::table
        .filter(users::email.like("bulk%@agencies.example"))
        .count()
        .get_result(c)
        .map_err(|e| e.to_string())?;
    let start = usize::try_from(start).unwrap_or(0);
    let today = crate::db::today();
    // The generated certificates are approved as they are stored; their review was due as a
    // submitted one's would be.
    let review_days = crate::accounts::store::settings::load(c)
        .map_err(|e| e.to_string())?
        .get("cert_review_working_days");
    let cal = crate::accounts::store::calendar::load_from(c, today).map_err(|e| e.to_string())?;
    let due = agency_rules::review_due(today, u32::try_from(review_days).unwrap_or(2), &cal);
    // Approved by a regulator of the department that reviews each type, as a review would be.
    let mut reviewers = std::collections::HashMap::new();
    for (t, _, _) in catalogue::QUAL_TYPES {
        reviewers.insert(*t, reviewer_for(c, t).map_err(|e| e.to_string())?);
    }
    let mut done = 0;
    while done < n {
        let size = BATCH.min(n - done);
        let first = start + done;
        db::write_tx(c, |c| {
            insert_batch(c, first, size, &hash, &items, (today, due), &reviewers)
        })
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
    (today, review_due): (NaiveDate, NaiveDate),
    reviewers: &std::collections::HashMap<&str, i64>,
) -> Result<(), DbError> {
    let now = db::now();
    let mut rng = Rng(first as u64 ^ 0x5A5A_0000);
    let bulk: Vec<Bulk> = (first..first + size)
        .map(|i| {
            let (place, region, addr, division) = *rng.pick(PLACES);
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
                uscc: uscc::generate_in("91", division, SEED_BASE + i as u64).into_inner(),
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
                    users::role.eq(Role::Agency),
                    users::email.eq(&b.email),
                    users::password_hash.eq(hash),
                    users::org_name.eq(&b.name),
                    users::uscc.eq(Some(&b.uscc)),
                    users::contact_name.eq(&b.contact),
                    users::phone.eq(&b.phone),
                    users::status.eq(UserStatus::Active),
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
                    agencies::status.eq(AgencyStatus::Active),
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
                    agency_items::fee_min_fen.eq(o.fee_min_fen.map(Money::fen)),
                    agency_items::fee_max_fen.eq(o.fee_max_fen.map(Money::fen)),
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
                agency_certificates::status.eq(ReviewStatus::Approved),
                agency_certificates::review_due.eq(review_due),
                agency_certificates::review_reason.eq(Some("材料齐全，予以通过。")),
                agency_certificates::reviewed_by.eq(reviewers.get(q).copied()),
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
