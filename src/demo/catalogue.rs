//! Demo catalogue: real approval-related intermediary items of 攀枝花市, with their legal
//! bases, plausible time limits and fees, one later modification, one cancellation and two
//! regional assessments in 钒钛高新区, each at its date in the demo's story.

use chrono::{Duration, NaiveDate};

use super::story::Story;
use crate::audit::{self, Actor};
use crate::catalogue::store::{self as cat, Change, ItemFields};
use crate::db::{DbConnection, DbError};
use crate::domain::status::{AdjustmentKind, ItemStatus};

/// The adjustment basis of the initial list.
const PLAN: &str = "《攀枝花市深化“放管服”改革优化营商环境实施方案》（2020年）附件4";
const ADD_REASON: &str = "纳入本市中介服务事项清单";
const MARKET_FEE: &str =
    "实行市场调节价，由项目业主与中介机构在网上超市竞价或协商确定，中介机构应明码标价";

/// (code, name, keywords, industry, approval served, department code, legal basis,
///  working days, pricing, min yuan, max yuan, fee basis ("" = market), payer,
///  self-preparable, regional assessment, qualifications)
type Row = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    i32,
    &'static str,
    i64,
    i64,
    &'static str,
    &'static str,
    bool,
    bool,
    &'static [(&'static str, i32)],
);

const ITEMS: &[Row] = &[
    (
        "PZH-HB-001",
        "建设项目环境影响报告书编制",
        "环评 环境影响评价 报告书",
        "env",
        "建设项目环境影响评价文件审批",
        "sthjj",
        "《中华人民共和国环境影响评价法》第十六条、第二十二条；《建设项目环境保护管理条例》第七条",
        30,
        "market",
        0,
        0,
        "",
        "enterprise",
        true,
        true,
        &[],
    ),
    (
        "PZH-HB-002",
        "建设项目环境影响报告表编制",
        "环评 环境影响评价 报告表",
        "env",
        "建设项目环境影响评价文件审批",
        "sthjj",
        "《中华人民共和国环境影响评价法》第十六条、第二十二条；《建设项目环境影响评价分类管理名录》",
        20,
        "market",
        0,
        0,
        "",
        "enterprise",
        true,
        true,
        &[],
    ),
    (
        "PZH-HB-003",
        "入河排污口设置论证报告编制",
        "排污口 论证",
        "env",
        "入河排污口设置审核",
        "sthjj",
        "《中华人民共和国水法》第三十四条；《入河入海排污口监督管理技术指南》",
        20,
        "market",
        0,
        0,
        "",
        "enterprise",
        true,
        false,
        &[],
    ),
    (
        "PZH-HB-004",
        "突发环境事件应急预案编制",
        "应急预案 环境应急",
        "env",
        "企业事业单位突发环境事件应急预案备案",
        "sthjj",
        "《中华人民共和国突发事件应对法》第二十六条；《突发环境事件应急管理办法》第十三条",
        15,
        "market",
        0,
        0,
        "",
        "enterprise",
        true,
        false,
        &[],
    ),
    (
        "PZH-HB-005",
        "建设项目环境影响登记表填报代理",
        "环评 登记表",
        "env",
        "建设项目环境影响登记表备案",
        "sthjj",
        "《建设项目环境影响登记表备案管理办法》",
        5,
        "market",
        0,
        0,
        "",
        "enterprise",
        true,
        false,
        &[],
    ),
    (
        "PZH-ZJ-001",
        "房屋建筑和市政基础设施工程施工图设计文件审查",
        "施工图审查 图审",
        "construction",
        "建筑工程施工许可证核发",
        "zjj",
        "《建设工程质量管理条例》第十一条；《房屋建筑和市政基础设施工程施工图设计文件审查管理办法》第三条",
        15,
        "guided",
        2_000,
        300_000,
        "政府指导价，按建筑面积和工程类别计费；实行政府购买服务，由审批部门承担",
        "department",
        false,
        false,
        &[("construction_drawing_review", 2)],
    ),
    (
        "PZH-ZJ-002",
        "工程造价咨询（工程量清单及招标控制价编制）",
        "造价 招标控制价 工程量清单",
        "construction",
        "房屋建筑和市政工程施工招标备案",
        "zjj",
        "《中华人民共和国招标投标法实施条例》第二十七条；《建筑工程施工发包与承包计价管理办法》第六条",
        15,
        "market",
        0,
        0,
        "",
        "enterprise",
        true,
        false,
        &[("cost_consulting", 0)],
    ),
    (
        "PZH-ZJ-003",
        "岩土工程勘察",
        "勘察 地勘 岩土",
        "construction",
        "建筑工程施工许可证核发",
        "zjj",
        "《建设工程勘察设计管理条例》第八条、第二十一条；《建设工程质量管理条例》第五条",
        30,
        "market",
        0,
        0,
        "",
        "enterprise",
        false,
        false,
        &[("engineering_survey", 2)],
    ),
    (
        "PZH-ZJ-004",
        "特殊建设工程消防设计技术审查",
        "消防审查 消防设计",
        "construction",
        "特殊建设工程消防设计审查",
        "zjj",
        "《中华人民共和国消防法》第十一条；《建设工程消防设计审查验收管理暂行规定》第十五条",
        15,
        "market",
        0,
        0,
        "",
        "department",
        false,
        false,
        &[],
    ),
    (
        "PZH-ZJ-005",
        "特殊建设工程消防验收现场评定技术服务",
        "消防验收",
        "construction",
        "特殊建设工程消防验收",
        "zjj",
        "《中华人民共和国消防法》第十三条；《建设工程消防设计审查验收管理暂行规定》第二十八条",
        10,
        "market",
        0,
        0,
        "",
        "enterprise",
        false,
        false,
        &[],
    ),
    (
        "PZH-ZR-001",
        "地质灾害危险性评估",
        "地灾 地质灾害 评估",
        "land",
        "建设项目用地预审与选址意见书核发",
        "zrzyj",
        "《地质灾害防治条例》第二十一条；《四川省地质环境管理条例》",
        20,
        "market",
        0,
        0,
        "",
        "enterprise",
        false,
        true,
        &[("geo_hazard", 2)],
    ),
    (
        "PZH-ZR-002",
        "建设项目压覆重要矿产资源评估",
        "压覆矿产 压矿",
        "land",
        "建设项目压覆重要矿产资源审批",
        "zrzyj",
        "《中华人民共和国矿产资源法》第三十三条；《国土资源部关于进一步做好建设项目压覆重要矿产资源审批管理工作的通知》",
        20,
        "market",
        0,
        0,
        "",
        "enterprise",
        false,
        true,
        &[],
    ),
    (
        "PZH-ZR-003",
        "建设用地勘测定界",
        "勘测定界 测绘 界址",
        "land",
        "建设用地审批",
        "zrzyj",
        "《中华人民共和国土地管理法实施条例》第二十四条；《中华人民共和国测绘法》第二十七条",
        10,
        "market",
        0,
        0,
        "",
        "enterprise",
        false,
        false,
        &[("surveying_mapping", 2)],
    ),
    (
        "PZH-ZR-004",
        "建设工程规划竣工测量（规划核实测量）",
        "竣工测量 规划核实 测绘",
        "land",
        "建设工程规划条件核实",
        "zrzyj",
        "《中华人民共和国城乡规划法》第四十五条；《中华人民共和国测绘法》第二十七条",
        10,
        "market",
        0,
        0,
        "",
        "enterprise",
        false,
        false,
        &[("surveying_mapping", 2)],
    ),
    (
        "PZH-ZR-005",
        "建设项目使用林地可行性报告编制",
        "使用林地 林地可研",
        "land",
        "建设项目使用林地审核审批",
        "zrzyj",
        "《中华人民共和国森林法》第三十七条；《建设项目使用林地审核审批管理办法》第七条",
        20,
        "market",
        0,
        0,
        "",
        "enterprise",
        true,
        false,
        &[],
    ),
    (
        "PZH-ZR-006",
        "土地复垦方案编制",
        "土地复垦 复垦",
        "land",
        "建设用地审批",
        "zrzyj",
        "《土地复垦条例》第十一条、第十二条",
        20,
        "market",
        0,
        0,
        "",
        "enterprise",
        true,
        false,
        &[],
    ),
    (
        "PZH-ZR-007",
        "修建性详细规划编制",
        "详规 规划设计",
        "land",
        "修建性详细规划审定",
        "zrzyj",
        "《中华人民共和国城乡规划法》第二十一条、第二十四条",
        30,
        "market",
        0,
        0,
        "",
        "enterprise",
        false,
        false,
        &[("land_planning", 2)],
    ),
    (
        "PZH-ZR-008",
        "矿山地质环境保护与土地复垦方案编制",
        "矿山 地质环境 复垦",
        "land",
        "采矿许可证核发",
        "zrzyj",
        "《矿山地质环境保护规定》第十二条；《土地复垦条例》第十一条",
        30,
        "market",
        0,
        0,
        "",
        "enterprise",
        true,
        false,
        &[],
    ),
    (
        "PZH-ZR-009",
        "建设工程设计方案编制",
        "方案设计 规划许可",
        "construction",
        "建设工程规划许可证核发",
        "zrzyj",
        "《中华人民共和国城乡规划法》第四十条；《建设工程勘察设计管理条例》第八条",
        30,
        "market",
        0,
        0,
        "",
        "enterprise",
        false,
        false,
        &[("engineering_design", 2)],
    ),
    (
        "PZH-JT-001",
        "建设项目交通影响评价",
        "交评 交通影响",
        "transport",
        "建设工程规划许可证核发（交通影响评价审查）",
        "jtj",
        "《城市规划编制办法》第三十二条；《建设项目交通影响评价技术标准》（CJJ/T 141）",
        20,
        "market",
        0,
        0,
        "",
        "enterprise",
        true,
        false,
        &[],
    ),
    (
        "PZH-JT-002",
        "涉路工程安全技术评价",
        "涉路施工 安全评价 公路",
        "transport",
        "涉路施工许可",
        "jtj",
        "《公路安全保护条例》第二十七条；《路政管理规定》第十二条",
        15,
        "market",
        0,
        0,
        "",
        "enterprise",
        false,
        false,
        &[],
    ),
    (
        "PZH-JT-003",
        "航道通航条件影响评价",
        "通航 航道 金沙江",
        "transport",
        "航道通航条件影响评价审核",
        "jtj",
        "《中华人民共和国航道法》第二十八条；《航道通航条件影响评价审核管理办法》第五条",
        20,
        "market",
        0,
        0,
        "",
        "enterprise",
        false,
        false,
        &[],
    ),
    (
        "PZH-JT-004",
        "公路工程施工图设计文件技术审查",
        "公路 施工图审查",
        "transport",
        "公路建设项目施工图设计文件审批",
        "jtj",
        "《建设工程质量管理条例》第十一条；《公路建设市场管理办法》第十八条",
        20,
        "market",
        0,
        0,
        "",
        "department",
        false,
        false,
        &[("engineering_design", 2)],
    ),
    (
        "PZH-SL-001",
        "生产建设项目水土保持方案编制",
        "水保 水土保持",
        "water",
        "生产建设项目水土保持方案审批",
        "slj",
        "《中华人民共和国水土保持法》第二十五条；《生产建设项目水土保持方案管理办法》",
        20,
        "market",
        0,
        0,
        "",
        "enterprise",
        true,
        true,
        &[],
    ),
    (
        "PZH-SL-002",
        "洪水影响评价",
        "洪评 防洪评价 河道",
        "water",
        "洪水影响评价类审批",
        "slj",
        "《中华人民共和国防洪法》第十七条、第二十七条、第三十三条；《中华人民共和国河道管理条例》第十一条",
        20,
        "market",
        0,
        0,
        "",
        "enterprise",
        false,
        false,
        &[],
    ),
    (
        "PZH-SL-003",
        "建设项目水资源论证",
        "水资源论证 取水",
        "water",
        "取水许可",
        "slj",
        "《取水许可和水资源费征收管理条例》第十一条；《建设项目水资源论证管理办法》",
        20,
        "market",
        0,
        0,
        "",
        "enterprise",
        true,
        true,
        &[],
    ),
    (
        "PZH-SL-004",
        "水工程建设规划同意书论证报告编制",
        "水工程 规划同意书",
        "water",
        "水工程建设规划同意书审核",
        "slj",
        "《中华人民共和国水法》第十九条；《水工程建设规划同意书制度管理办法（试行）》",
        15,
        "market",
        0,
        0,
        "",
        "enterprise",
        true,
        false,
        &[],
    ),
    (
        "PZH-AJ-001",
        "危险化学品建设项目安全预评价",
        "安评 安全预评价 危化",
        "safety",
        "危险化学品建设项目安全条件审查",
        "yjj",
        "《中华人民共和国安全生产法》第三十二条；《危险化学品安全管理条例》第十二条",
        20,
        "market",
        0,
        0,
        "",
        "enterprise",
        false,
        false,
        &[("safety_evaluation", 0)],
    ),
    (
        "PZH-AJ-002",
        "危险化学品建设项目安全设施设计编制",
        "安全设施设计 危化",
        "safety",
        "危险化学品建设项目安全设施设计审查",
        "yjj",
        "《中华人民共和国安全生产法》第三十三条；《危险化学品建设项目安全监督管理办法》第十六条",
        30,
        "market",
        0,
        0,
        "",
        "enterprise",
        false,
        false,
        &[("engineering_design", 2)],
    ),
    (
        "PZH-AJ-003",
        "安全验收评价",
        "安评 验收评价",
        "safety",
        "危险化学品安全生产许可证核发",
        "yjj",
        "《中华人民共和国安全生产法》第三十四条；《危险化学品生产企业安全生产许可证实施办法》第十四条",
        20,
        "market",
        0,
        0,
        "",
        "enterprise",
        false,
        false,
        &[("safety_evaluation", 0)],
    ),
    (
        "PZH-AJ-004",
        "地震安全性评价",
        "地震 安评 抗震设防",
        "safety",
        "建设工程抗震设防要求确定",
        "yjj",
        "《中华人民共和国防震减灾法》第三十五条；《地震安全性评价管理条例》第十一条",
        30,
        "market",
        0,
        0,
        "",
        "enterprise",
        false,
        true,
        &[],
    ),
    (
        "PZH-FG-001",
        "固定资产投资项目节能评估报告编制",
        "节能评估 能评 节能审查",
        "investment",
        "固定资产投资项目节能审查",
        "fgw",
        "《中华人民共和国节约能源法》第十五条；《固定资产投资项目节能审查办法》第七条",
        15,
        "market",
        0,
        0,
        "",
        "enterprise",
        true,
        true,
        &[],
    ),
    (
        "PZH-FG-002",
        "企业投资项目申请报告编制",
        "项目申请报告 核准",
        "investment",
        "企业投资项目核准",
        "fgw",
        "《企业投资项目核准和备案管理条例》第七条；《企业投资项目核准和备案管理办法》第二十条",
        20,
        "market",
        0,
        0,
        "",
        "enterprise",
        true,
        false,
        &[],
    ),
    (
        "PZH-FG-003",
        "重大固定资产投资项目社会稳定风险评估",
        "稳评 社会稳定风险",
        "investment",
        "重大固定资产投资项目审批（核准）",
        "fgw",
        "《国家发展改革委重大固定资产投资项目社会稳定风险评估暂行办法》第三条、第四条",
        20,
        "market",
        0,
        0,
        "",
        "enterprise",
        true,
        false,
        &[],
    ),
    (
        "PZH-FG-004",
        "政府投资项目可行性研究报告编制",
        "可研 可行性研究",
        "investment",
        "政府投资项目可行性研究报告审批",
        "fgw",
        "《政府投资条例》第九条、第十一条",
        30,
        "market",
        0,
        0,
        "",
        "enterprise",
        false,
        false,
        &[],
    ),
    (
        "PZH-SJ-001",
        "特种设备安装改造修理监督检验",
        "特种设备 电梯 锅炉 监检",
        "market",
        "特种设备使用登记",
        "scjgj",
        "《中华人民共和国特种设备安全法》第二十五条、第三十三条",
        10,
        "guided",
        800,
        20_000,
        "政府指导价，按《四川省特种设备检验检测收费标准》执行",
        "enterprise",
        false,
        false,
        &[("metrology_testing", 0)],
    ),
    (
        "PZH-QT-001",
        "雷电灾害风险评估",
        "防雷 雷电",
        "other",
        "防雷装置设计审核",
        "zwfwj",
        "《中华人民共和国气象法》第三十七条；《气象灾害防御条例》第二十三条",
        10,
        "guided",
        1_000,
        50_000,
        "政府指导价，按四川省发展改革委核定的防雷技术服务收费标准执行",
        "enterprise",
        false,
        true,
        &[],
    ),
];

fn guide(r: &Row) -> (String, String, String, String, String) {
    let (_, name, _, _, approval, _, basis, ..) = *r;
    (
        format!("{basis}。"),
        format!("攀枝花市行政区域内依法需办理“{approval}”并须提交{name}成果的建设项目。"),
        "依法需办理上述审批的项目业主（建设单位、企业事业单位）。".to_string(),
        format!("按照国家和行业技术规范开展{name}，包括资料收集、现场调查、分析论证，编制成果文件并对结论负责。"),
        "项目业主通过攀枝花市中介服务网上超市发布选取公告，按公告确定的选取方式公开选取中介机构并网上签订服务合同；服务完成后在网上超市进行履约评价。".to_string(),
    )
}

/// Adds the catalogue's history to the story: the initial list at the launch, a later
/// modification, a cancellation and two regional assessments of 钒钛高新区. Adds nothing when
/// the catalogue already has items.
pub fn plan(story: &mut Story<'_>, launch: NaiveDate) {
    story.add(Story::at(launch, 9, 30), |c| {
        add_items(c)?;
        Ok(())
    });
    // A later modification: the 2023 energy-review rules shortened the review.
    let day = story.working_day_from(story.days_ago(500));
    story.add(Story::at(day, 10, 0), |c| {
        let Some(item) = cat::find_by_code(c, "PZH-FG-001")? else {
            return Ok(());
        };
        if item.version > 1 {
            return Ok(());
        }
        let q = cat::qual_pairs(&cat::quals_of(c, item.id)?);
        let mut f = ItemFields::of(&item);
        f.time_limit_days = 10;
        f.legal_basis = "《中华人民共和国节约能源法》第十五条；《固定资产投资项目节能审查办法》（国家发展改革委令2023年第2号）第七条".into();
        let change = Change {
            status: ItemStatus::Retained,
            kind: AdjustmentKind::Modify,
            reason: "依据新修订的《固定资产投资项目节能审查办法》更新设定依据，服务时限由15个工作日压减为10个工作日",
            basis: "《固定资产投资项目节能审查办法》（国家发展改革委令2023年第2号）",
            actor_id: None,
        };
        cat::save_item(c, Some(&item), &f, &q, &change)?;
        record(c, &Actor::system(), "catalogue.modify", item.id, &q)
    });
    // A cancellation: registration forms are filed online by the owner itself.
    let day = story.working_day_from(story.days_ago(400));
    story.add(Story::at(day, 10, 0), |c| {
        let Some(item) = cat::find_by_code(c, "PZH-HB-005")? else {
            return Ok(());
        };
        if item.status == ItemStatus::Cancelled {
            return Ok(());
        }
        let change = Change {
            status: ItemStatus::Cancelled,
            kind: AdjustmentKind::Cancel,
            reason: "建设项目环境影响登记表实行网上备案，由建设单位自行填报，不再作为审批中介服务事项",
            basis: "《建设项目环境影响登记表备案管理办法》（环境保护部令第41号）",
            actor_id: None,
        };
        cat::save_item(c, Some(&item), &ItemFields::of(&item), &[], &change)?;
        record(c, &Actor::system(), "catalogue.cancel", item.id, &[])
    });
    // Two regional assessments of 钒钛高新区, recorded by the land department's regulator and
    // valid for three years.
    let day = story.working_day_from(story.days_ago(300));
    story.add(Story::at(day, 10, 0), |c| {
        let Some(u) =
            crate::accounts::store::user::find_by_email(c, "ziranziyuan@demo.zhongjie.cn")?
        else {
            return Ok(());
        };
        let until = crate::db::today() + Duration::days(3 * 365);
        let actor = Actor::user(u.id, crate::auth::Role::Regulator);
        for (code, title) in ASSESSMENTS {
            let Some(item) = cat::find_by_code(c, code)? else {
                continue;
            };
            if cat::assessment_for(c, item.id, ASSESSED_ZONE, crate::db::today())?.is_some() {
                continue;
            }
            let id = cat::insert_assessment(c, item.id, ASSESSED_ZONE, title, None, until, u.id)?;
            if let Some(a) = cat::find_assessment(c, id)? {
                audit::record(
                    c,
                    &actor,
                    "catalogue.assessment",
                    "regional_assessment",
                    id,
                    &a,
                    "demo",
                )?;
            }
        }
        Ok(())
    });
}

/// The zone the demo's regional assessments cover.
pub const ASSESSED_ZONE: &str = "pzh_gaoxin";

/// (item code, title) of the demo's regional assessments.
pub const ASSESSMENTS: [(&str, &str); 2] = [
    (
        "PZH-ZR-001",
        "攀枝花钒钛高新技术产业开发区区域地质灾害危险性评估报告",
    ),
    (
        "PZH-ZR-002",
        "攀枝花钒钛高新技术产业开发区区域压覆重要矿产资源评估报告",
    ),
];

/// The initial list; returns how many items were added (none when the catalogue has items).
fn add_items(c: &mut DbConnection) -> Result<usize, DbError> {
    if cat::count(c)? > 0 {
        return Ok(0);
    }
    let depts = crate::accounts::store::department::all(c)?;
    let sys = Actor::system();
    let mut n = 0;
    for r in ITEMS {
        let (
            code,
            name,
            keywords,
            industry,
            approval,
            dept,
            basis,
            days,
            pricing,
            lo,
            hi,
            fee,
            payer,
            own,
            regional,
            quals,
        ) = *r;
        let Some(d) = depts.iter().find(|d| d.code == dept) else {
            continue;
        };
        let (g_basis, g_scope, g_object, g_content, g_method) = guide(r);
        let (min, max) = match pricing {
            "guided" => (Some(lo * 100), Some(hi * 100)),
            "fixed" => (Some(lo * 100), Some(lo * 100)),
            _ => (None, None),
        };
        let fields = ItemFields {
            code: code.into(),
            name: name.into(),
            keywords: keywords.into(),
            industry: industry.into(),
            approval_name: approval.into(),
            department_id: d.id,
            legal_basis: basis.into(),
            guide_basis: g_basis,
            guide_scope: g_scope,
            guide_object: g_object,
            guide_content: g_content,
            guide_method: g_method,
            guide_conclusion: format!("出具{name}成果文件，作为“{approval}”的申请材料。"),
            time_limit_days: days,
            pricing: pricing.into(),
            price_min_fen: min,
            price_max_fen: max,
            fee_basis: if fee.is_empty() {
                MARKET_FEE.into()
            } else {
                fee.into()
            },
            payer: payer.into(),
            self_preparable: own,
            regional_assessment: regional,
        };
        let q: Vec<(String, i32)> = quals.iter().map(|(t, l)| (t.to_string(), *l)).collect();
        let change = Change {
            status: ItemStatus::Retained,
            kind: AdjustmentKind::Add,
            reason: ADD_REASON,
            basis: PLAN,
            actor_id: None,
        };
        let id = cat::save_item(c, None, &fields, &q, &change)?;
        record(c, &sys, "catalogue.add", id, &q)?;
        n += 1;
    }
    Ok(n)
}

fn record(
    c: &mut DbConnection,
    sys: &Actor,
    action: &str,
    id: i64,
    quals: &[(String, i32)],
) -> Result<(), DbError> {
    let item = cat::find(c, id)?.ok_or(diesel::result::Error::NotFound)?;
    let state = serde_json::json!({ "item": item, "quals": quals });
    audit::record(c, sys, action, "catalogue_item", id, &state, "demo")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::catalogue as vocab;

    #[test]
    fn demo_items_use_the_vocabulary() {
        assert!(ITEMS.len() >= 30);
        for r in ITEMS {
            let (code, _, _, industry, _, dept, _, days, pricing, lo, hi, _, payer, _, _, quals) =
                *r;
            assert!(vocab::is_industry(industry), "{code}");
            assert!(
                crate::demo::DEPARTMENTS.iter().any(|d| d.0 == dept),
                "{code}"
            );
            assert!(days > 0, "{code}");
            assert!(vocab::Pricing::parse(pricing).is_some(), "{code}");
            assert!(pricing != "guided" || (0 < lo && lo <= hi), "{code}");
            assert!(vocab::PAYERS.contains(&payer), "{code}");
            for (t, l) in quals {
                let (_, _, graded) = vocab::qual_type(t).expect("known type");
                assert!(graded || *l == 0, "{code}");
            }
        }
        let mut codes: Vec<_> = ITEMS.iter().map(|r| r.0).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), ITEMS.len(), "codes are unique");
        // 环评 needs no qualification since 2019.
        assert!(
            ITEMS
                .iter()
                .filter(|r| r.3 == "env")
                .all(|r| r.15.is_empty())
        );
    }
}
