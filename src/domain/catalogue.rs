//! Vocabulary of the three libraries: industries, pricing regimes, payers, item status,
//! qualification types and levels, and regions. Stored as short codes; shown through the
//! locale files (`cat.industry.<code>` …). The lists are rules: a value outside them is refused.

/// Industry categories of the service-item catalogue, each with the department that usually
/// regulates it (a department code from `demo::DEPARTMENTS`).
pub const INDUSTRIES: &[(&str, &str)] = &[
    ("env", "sthjj"),        // 生态环境
    ("construction", "zjj"), // 住房城乡建设
    ("land", "zrzyj"),       // 自然资源和规划
    ("transport", "jtj"),    // 交通运输
    ("water", "slj"),        // 水利
    ("safety", "yjj"),       // 应急管理（安全生产）
    ("investment", "fgw"),   // 发展改革（投资项目）
    ("market", "scjgj"),     // 市场监管（特种设备、计量）
    ("other", "zwfwj"),      // 其他
];

pub fn is_industry(code: &str) -> bool {
    INDUSTRIES.iter().any(|(c, _)| *c == code)
}

/// 市场调节价 / 政府指导价 (a range) / 政府定价 (a fixed fee).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pricing {
    Market,
    Guided,
    Fixed,
}

impl Pricing {
    pub const ALL: [Pricing; 3] = [Pricing::Market, Pricing::Guided, Pricing::Fixed];
    pub fn code(self) -> &'static str {
        match self {
            Pricing::Market => "market",
            Pricing::Guided => "guided",
            Pricing::Fixed => "fixed",
        }
    }
    pub fn parse(s: &str) -> Option<Pricing> {
        Pricing::ALL.into_iter().find(|p| p.code() == s)
    }
}

/// Who pays for the service: the enterprise, or the approval department itself (then only
/// that department may publish announcements for the item).
pub const PAYERS: &[&str] = &["enterprise", "department"];

/// Qualification types an item may require and an agency may hold, with the department whose
/// regulator reviews certificates of that type, and whether the type has levels.
pub const QUAL_TYPES: &[(&str, &str, bool)] = &[
    ("engineering_consulting", "fgw", true), // 工程咨询单位资信评价
    ("surveying_mapping", "zrzyj", true),    // 测绘资质
    ("geo_hazard", "zrzyj", true),           // 地质灾害危险性评估单位资质
    ("land_planning", "zrzyj", true),        // 城乡规划编制单位资质
    ("engineering_survey", "zjj", true),     // 工程勘察资质
    ("engineering_design", "zjj", true),     // 工程设计资质
    ("cost_consulting", "zjj", false),       // 工程造价咨询（登记备案）
    ("construction_drawing_review", "zjj", true), // 施工图审查机构认定
    ("water_conservation", "slj", true),     // 水土保持方案编制单位水平评价
    ("hydrology", "slj", true),              // 水文水资源调查评价资质
    ("safety_evaluation", "yjj", true),      // 安全评价机构资质
    ("seismic_evaluation", "zjj", true),     // 地震安全性评价（原资质，现为能力评价）
    ("metrology_testing", "scjgj", false),   // 检验检测机构资质认定 CMA
];

pub fn qual_type(code: &str) -> Option<(&'static str, &'static str, bool)> {
    QUAL_TYPES.iter().copied().find(|(c, _, _)| *c == code)
}

/// Levels: 1 = 甲级, 2 = 乙级, 3 = 丙级; 0 = no grading (the type has no levels).
/// A holder of level `held` meets a requirement of `min` when `held <= min` (甲 beats 乙).
pub const LEVELS: &[i32] = &[1, 2, 3];

pub fn level_meets(held: i32, min: i32) -> bool {
    if min == 0 {
        return true;
    }
    held != 0 && held <= min
}

/// Regions: the districts and zones of 攀枝花市, then provinces for agencies from elsewhere
/// (joining is nationwide).
pub const REGIONS: &[&str] = &[
    "pzh_dongqu",
    "pzh_xiqu",
    "pzh_renhe",
    "pzh_miyi",
    "pzh_yanbian",
    "pzh_gaoxin",
    "pzh_huacheng",
    "sichuan",
    "yunnan",
    "chongqing",
    "guizhou",
    "beijing",
    "shanghai",
    "guangdong",
    "hubei",
    "shaanxi",
    "hunan",
    "jiangsu",
    "zhejiang",
    "other",
];

/// Zones an owner's project may lie in (for regional assessments): the local ones only.
pub fn is_local_zone(code: &str) -> bool {
    code.starts_with("pzh_")
}

pub fn is_region(code: &str) -> bool {
    REGIONS.contains(&code)
}

/// The administrative-division prefix (GB/T 2260) a unified social credit code carries in
/// its characters 3–8 for an agency registered in each region: the city's code for the
/// districts and zones of 攀枝花市 (a firm there may be registered with the city's or the
/// district's authority), the province's for the others. `other` has none: it is for the
/// provinces not named in [`REGIONS`].
pub const REGION_DIVISIONS: &[(&str, &str)] = &[
    ("pzh_dongqu", "5104"),
    ("pzh_xiqu", "5104"),
    ("pzh_renhe", "5104"),
    ("pzh_miyi", "5104"),
    ("pzh_yanbian", "5104"),
    ("pzh_gaoxin", "5104"),
    ("pzh_huacheng", "5104"),
    ("sichuan", "51"),
    ("yunnan", "53"),
    ("chongqing", "50"),
    ("guizhou", "52"),
    ("beijing", "11"),
    ("shanghai", "31"),
    ("guangdong", "44"),
    ("hubei", "42"),
    ("shaanxi", "61"),
    ("hunan", "43"),
    ("jiangsu", "32"),
    ("zhejiang", "33"),
];

/// Whether an agency registered under the division code `division` (the six digits of its
/// credit code) may say it is in `region`: the division lies in the region (for `other`: in
/// none of the named provinces). A code of a national registration authority (`10…`, e.g.
/// 国家市场监督管理总局) is accepted for any region.
pub fn region_fits_division(region: &str, division: &str) -> bool {
    if division.starts_with("10") {
        return true;
    }
    match REGION_DIVISIONS.iter().find(|(r, _)| *r == region) {
        Some((_, prefix)) => division.starts_with(prefix),
        None => {
            region == "other"
                && !REGION_DIVISIONS
                    .iter()
                    .any(|(_, p)| p.len() == 2 && division.starts_with(p))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_compare_as_chinese_grades() {
        assert!(level_meets(1, 2), "甲级 meets 乙级");
        assert!(level_meets(2, 2));
        assert!(!level_meets(3, 2), "丙级 does not meet 乙级");
        assert!(level_meets(0, 0) && level_meets(3, 0));
        assert!(
            !level_meets(0, 1),
            "an ungraded certificate does not meet a graded bar"
        );
    }

    #[test]
    fn regions_and_credit_code_divisions() {
        // Every region but `other` has its prefix, and every prefix is a region.
        for r in REGIONS.iter().filter(|r| **r != "other") {
            assert!(REGION_DIVISIONS.iter().any(|(x, _)| x == r), "{r}");
        }
        assert!(REGION_DIVISIONS.iter().all(|(r, _)| is_region(r)));
        assert!(region_fits_division("beijing", "110108"));
        assert!(!region_fits_division("beijing", "510402"));
        assert!(region_fits_division("pzh_dongqu", "510402"));
        assert!(
            region_fits_division("pzh_miyi", "510400"),
            "the city's authority"
        );
        assert!(
            !region_fits_division("pzh_dongqu", "510100"),
            "成都 is not 攀枝花"
        );
        assert!(region_fits_division("sichuan", "510100"));
        assert!(region_fits_division("other", "410105"), "河南");
        assert!(!region_fits_division("other", "530102"), "云南 is named");
        assert!(
            region_fits_division("yunnan", "100000"),
            "national authority"
        );
        assert!(!region_fits_division("east", "510402"));
    }

    #[test]
    fn every_qualification_and_industry_names_a_department() {
        for (_, d) in INDUSTRIES {
            assert!(!d.is_empty());
        }
        for (c, d, _) in QUAL_TYPES {
            assert!(!c.is_empty() && !d.is_empty());
        }
    }
}
