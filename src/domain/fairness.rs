//! 公平竞争 screen of an announcement's free text (公平竞争审查): the text may not
//! restrict bidders by region, ownership or size, nor name the agency to be chosen. Each
//! [`Finding`] names its category and quotes the offending words, so the owner sees exactly
//! what to rewrite.
//!
//! The screen looks for a *restriction*, not for a word: place names, the owner's own type
//! and project sizes are ordinary in a scope of work ("本项目位于攀枝花市东区", "为某国有企业
//! 改制提供资产评估", "项目规模：建筑面积 5 万平方米"). A finding needs a term of its category
//! **and** a context that makes it a condition on who may take part, inside one clause (text
//! between `。；，！？` or line breaks — a comma ends the clause, so "本项目位于本市，由中介
//! 机构编制" is two clauses and not a region restriction):
//!
//! | category | term | context that makes it a restriction |
//! |---|---|---|
//! | region | 本地 本市 本省 本县 本区 当地 外地 外省 外市 属地 辖区 | within [`NEAR`] characters after: a bidder word (企业 机构 单位 公司 注册 中介 供应商 …); or within [`NEAR`] before: a restricting word (限 须为 注册在 设在 …) |
//! | region | 省内 市内 县内 省外 市外 | a bidder word right after (at most one character between: 省内企业, 市内的机构) — these are also the ends of place names (攀枝花市内道路) |
//! | region | 注册地 注册所在地 住所地 | within [`NEAR`] after: 在 为 须 应 限 位于 属 |
//! | ownership | 国企 央企 中央企业, and 国有 国营 民营 私营 外资 外商投资 合资 集体 immediately followed by 企业 机构 单位 公司 控股 独资 背景 性质 | a restricting word within [`NEAR`] before (限 仅 只 须 应为 必须 要求 具有 属于) or [`FAR`] after (优先 方可 才能 报名 参与 参加 投标 报价 资格 身份) |
//! | size | 注册资本 注册资金 实收资本 实缴资本 资产总额 总资产 净资产 营业额 营业收入 年收入 年产值 纳税额 员工人数 职工人数 员工总数 在职员工 企业规模 公司规模 机构规模 经营规模 人员规模 | within [`FAR`] after: a number or a comparison (digits, 不低于 不少于 以上 达到 超过 至少 ≥ 万元 亿元 …); or within [`NEAR`] before: 要求 须 应 具有 具备 限 |
//! | named agency | 指定 限定 定向 | within [`FAR`] after: an organisation noun (公司 机构 单位 事务所 研究院 设计院 中心 集团 研究所) |
//! | named agency | the exact name of a registered agency (at least [`NAME_MIN_CHARS`] characters) | none: naming an agency is the restriction |
//!
//! The quoted words run from the term to the end of its context (or from the context to the
//! end of the term when the context comes first). Overlapping findings of one category are
//! reported once.

use serde::Serialize;

/// Characters looked at next to a term for its context (region, ownership before, size before).
pub const NEAR: usize = 6;
/// Characters looked at after a term for a number, a comparison or an organisation noun.
pub const FAR: usize = 12;
/// Shorter agency names are not looked for in the text (too likely to be ordinary words).
pub const NAME_MIN_CHARS: usize = 4;

/// What kind of restriction a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// 地域限制: local or non-local bidders.
    Region,
    /// 所有制限制: state-owned, private, foreign …
    Ownership,
    /// 规模限制: registered capital, staff, turnover.
    Size,
    /// 指定机构: the text names or designates the agency.
    NamedAgency,
}

impl Category {
    pub const ALL: [Category; 4] = [
        Category::Region,
        Category::Ownership,
        Category::Size,
        Category::NamedAgency,
    ];
    /// Locale key of the finding's message (`{words}` quotes the offending words).
    pub fn key(self) -> &'static str {
        match self {
            Category::Region => "pub.fair.region",
            Category::Ownership => "pub.fair.ownership",
            Category::Size => "pub.fair.size",
            Category::NamedAgency => "pub.fair.named",
        }
    }
}

/// One restriction found in a text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub category: Category,
    /// The offending words, as they stand in the text.
    pub words: String,
}

impl Finding {
    pub fn key(&self) -> &'static str {
        self.category.key()
    }
    pub fn args(&self) -> Vec<(&'static str, String)> {
        vec![("words", self.words.clone())]
    }
}

/// Words that make a region term a condition on bidders when they follow it.
const BIDDER_WORDS: &[&str] = &[
    "企业",
    "机构",
    "单位",
    "公司",
    "注册",
    "中介",
    "供应商",
    "服务商",
    "法人",
    "分支",
    "办事处",
    "营业执照",
    "纳税",
    "社保",
    "经营者",
    "投标人",
    "报名人",
    "优先",
];

/// Words that make a following region term a condition ("限本地", "注册在本市").
const REGION_BEFORE: &[&str] = &[
    "限",
    "须为",
    "应为",
    "必须是",
    "必须为",
    "只能是",
    "注册在",
    "注册于",
    "注册地",
    "设在",
    "设于",
    "设立于",
    "驻",
];

const REGION_TERMS: &[&str] = &[
    "本地", "本市", "本省", "本县", "本区", "当地", "外地", "外省", "外市", "属地", "辖区",
];

/// Also the ends of place names (攀枝花市内道路), so only with a bidder word right after.
const REGION_INSIDE_TERMS: &[&str] = &["省内", "市内", "县内", "省外", "市外"];

const REGISTERED_SEAT_TERMS: &[&str] = &["注册所在地", "注册地", "住所地"];
const REGISTERED_SEAT_AFTER: &[&str] = &["在", "为", "须", "应", "限", "位于", "属"];

const OWNERSHIP_STEMS: &[&str] = &[
    "外商投资",
    "国有",
    "国营",
    "民营",
    "私营",
    "外资",
    "合资",
    "集体",
];
const OWNERSHIP_SUFFIXES: &[&str] = &[
    "企业", "机构", "单位", "公司", "控股", "独资", "背景", "性质",
];
const OWNERSHIP_WHOLE: &[&str] = &["中央企业", "国企", "央企"];
const OWNERSHIP_BEFORE: &[&str] = &[
    "限", "仅", "只", "须", "应为", "必须", "要求", "具有", "属于",
];
const OWNERSHIP_AFTER: &[&str] = &[
    "优先", "方可", "才能", "才可", "报名", "参与", "参加", "投标", "报价", "资格", "身份",
];

const SIZE_TERMS: &[&str] = &[
    "注册资本",
    "注册资金",
    "实收资本",
    "实缴资本",
    "资产总额",
    "总资产",
    "净资产",
    "营业额",
    "营业收入",
    "年收入",
    "年产值",
    "纳税额",
    "员工人数",
    "职工人数",
    "员工总数",
    "在职员工",
    "企业规模",
    "公司规模",
    "机构规模",
    "经营规模",
    "人员规模",
];
const SIZE_AFTER: &[&str] = &[
    "不低于",
    "不少于",
    "不小于",
    "以上",
    "达到",
    "超过",
    "大于",
    "高于",
    "至少",
    "≥",
    ">=",
    ">",
    "＞",
    "万元",
    "亿元",
];
const SIZE_BEFORE: &[&str] = &["要求", "须", "应", "具有", "具备", "限"];

const DESIGNATE_TERMS: &[&str] = &["指定", "限定", "定向"];
const ORGANISATION_NOUNS: &[&str] = &[
    "公司",
    "机构",
    "单位",
    "事务所",
    "研究院",
    "设计院",
    "中心",
    "集团",
    "研究所",
];

fn is_clause_end(c: char) -> bool {
    matches!(
        c,
        '。' | '；' | ';' | '，' | ',' | '！' | '!' | '？' | '?' | '\n' | '\r'
    )
}

/// A clause as characters.
struct Clause {
    chars: Vec<char>,
}

impl Clause {
    fn text(&self, from: usize, to: usize) -> String {
        self.chars[from.min(self.chars.len())..to.min(self.chars.len())]
            .iter()
            .collect()
    }

    /// Start positions (in characters) of every occurrence of `word`.
    fn occurrences(&self, word: &str) -> Vec<usize> {
        let w: Vec<char> = word.chars().collect();
        if w.is_empty() || w.len() > self.chars.len() {
            return Vec::new();
        }
        (0..=self.chars.len() - w.len())
            .filter(|&i| self.chars[i..i + w.len()] == w[..])
            .collect()
    }

    /// The end (exclusive) of the first context word starting within `window` characters
    /// after `at` (and ending inside the clause).
    fn context_after(&self, at: usize, window: usize, words: &[&str]) -> Option<usize> {
        let mut best: Option<(usize, usize)> = None;
        for w in words {
            let n = w.chars().count();
            for start in self.occurrences(w) {
                if start >= at && start <= at + window && best.is_none_or(|(s, _)| start < s) {
                    best = Some((start, start + n));
                }
            }
        }
        best.map(|(_, end)| end)
    }

    /// The start of the nearest context word ending within `window` characters before `at`.
    fn context_before(&self, at: usize, window: usize, words: &[&str]) -> Option<usize> {
        let mut best: Option<usize> = None;
        for w in words {
            let n = w.chars().count();
            for start in self.occurrences(w) {
                let end = start + n;
                if end <= at && end + window >= at && best.is_none_or(|b| start > b) {
                    best = Some(start);
                }
            }
        }
        best
    }
}

fn clauses(text: &str) -> Vec<Clause> {
    text.split(is_clause_end)
        .filter(|s| !s.trim().is_empty())
        .map(|s| Clause {
            chars: s.chars().collect(),
        })
        .collect()
}

/// One category's findings, with overlapping spans reported once.
struct Collector {
    found: Vec<(Category, usize, usize, usize, String)>,
}

impl Collector {
    fn add(&mut self, cat: Category, clause_no: usize, c: &Clause, from: usize, to: usize) {
        let overlaps = self
            .found
            .iter()
            .any(|(k, n, f, t, _)| *k == cat && *n == clause_no && from < *t && *f < to);
        if !overlaps {
            self.found
                .push((cat, clause_no, from, to, c.text(from, to)));
        }
    }
}

/// A term with its context on either side, as the table in the module doc says.
struct Rule<'a> {
    category: Category,
    terms: &'a [&'a str],
    after: &'a [&'a str],
    after_window: usize,
    before: &'a [&'a str],
    before_window: usize,
}

fn apply(rule: &Rule<'_>, clause_no: usize, c: &Clause, out: &mut Collector) {
    for term in rule.terms {
        let n = term.chars().count();
        for start in c.occurrences(term) {
            let end = start + n;
            if let Some(ctx_end) = c.context_after(end, rule.after_window, rule.after) {
                out.add(rule.category, clause_no, c, start, ctx_end);
            } else if let Some(ctx_start) = c.context_before(start, rule.before_window, rule.before)
            {
                out.add(rule.category, clause_no, c, ctx_start, end);
            }
        }
    }
}

fn ownership_terms() -> Vec<String> {
    OWNERSHIP_STEMS
        .iter()
        .flat_map(|s| OWNERSHIP_SUFFIXES.iter().map(move |x| format!("{s}{x}")))
        .chain(OWNERSHIP_WHOLE.iter().map(|s| s.to_string()))
        .collect()
}

/// The end of a number (ASCII or full-width digits, with a unit such as 万元 or 人 after it)
/// that starts within `window` characters after `at`.
fn number_after(c: &Clause, at: usize, window: usize) -> Option<usize> {
    let end = (at + window + 1).min(c.chars.len());
    (at..end)
        .find(|&i| c.chars[i].is_ascii_digit() || ('０'..='９').contains(&c.chars[i]))
        .map(|i| {
            // Quote the whole number and a unit such as 万元 right after it.
            let mut j = i;
            while j < c.chars.len()
                && (c.chars[j].is_ascii_digit()
                    || ('０'..='９').contains(&c.chars[j])
                    || matches!(c.chars[j], '.' | ','))
            {
                j += 1;
            }
            let mut k = j;
            while k < c.chars.len() && c.chars[k].is_whitespace() {
                k += 1;
            }
            for unit in ["万元", "亿元", "元", "万", "亿", "人", "名"] {
                let u: Vec<char> = unit.chars().collect();
                if c.chars.len() >= k + u.len() && c.chars[k..k + u.len()] == u[..] {
                    return k + u.len();
                }
            }
            j
        })
}

/// Screens one text. See the module doc for what counts as a restriction.
pub fn screen(text: &str) -> Vec<Finding> {
    screen_with_names::<&str>(text, &[])
}

/// [`screen`], plus every registered agency name from `agency_names` that appears in the text
/// (names shorter than [`NAME_MIN_CHARS`] characters are ignored).
pub fn screen_with_names<S: AsRef<str>>(text: &str, agency_names: &[S]) -> Vec<Finding> {
    let mut out = Collector { found: Vec::new() };
    let own_terms = ownership_terms();
    let own_refs: Vec<&str> = own_terms.iter().map(String::as_str).collect();
    let rules = [
        Rule {
            category: Category::Region,
            terms: REGION_TERMS,
            after: BIDDER_WORDS,
            after_window: NEAR,
            before: REGION_BEFORE,
            before_window: NEAR,
        },
        Rule {
            category: Category::Region,
            terms: REGION_INSIDE_TERMS,
            after: BIDDER_WORDS,
            after_window: 1,
            before: &[],
            before_window: 0,
        },
        Rule {
            category: Category::Region,
            terms: REGISTERED_SEAT_TERMS,
            after: REGISTERED_SEAT_AFTER,
            after_window: NEAR,
            before: &[],
            before_window: 0,
        },
        Rule {
            category: Category::Ownership,
            terms: &own_refs,
            after: OWNERSHIP_AFTER,
            after_window: FAR,
            before: OWNERSHIP_BEFORE,
            before_window: NEAR,
        },
        Rule {
            category: Category::Size,
            terms: SIZE_TERMS,
            after: SIZE_AFTER,
            after_window: FAR,
            before: SIZE_BEFORE,
            before_window: NEAR,
        },
        Rule {
            category: Category::NamedAgency,
            terms: DESIGNATE_TERMS,
            after: ORGANISATION_NOUNS,
            after_window: FAR,
            before: &[],
            before_window: 0,
        },
    ];
    for (no, c) in clauses(text).iter().enumerate() {
        for rule in &rules {
            apply(rule, no, c, &mut out);
        }
        // Size: a number after the term is a threshold, even without a comparison word.
        for term in SIZE_TERMS {
            let n = term.chars().count();
            for start in c.occurrences(term) {
                if let Some(end) = number_after(c, start + n, FAR) {
                    out.add(Category::Size, no, c, start, end);
                }
            }
        }
    }
    let mut findings: Vec<Finding> = out
        .found
        .into_iter()
        .map(|(category, _, _, _, words)| Finding { category, words })
        .collect();
    let mut named: Vec<&str> = agency_names
        .iter()
        .map(AsRef::as_ref)
        .map(str::trim)
        .filter(|n| n.chars().count() >= NAME_MIN_CHARS && text.contains(*n))
        .collect();
    named.sort_unstable();
    named.dedup();
    // A name inside a longer one found as well is the same mention.
    let longer: Vec<&str> = named.clone();
    for n in named {
        if longer.iter().any(|l| l.len() > n.len() && l.contains(n)) {
            continue;
        }
        findings.push(Finding {
            category: Category::NamedAgency,
            words: n.to_string(),
        });
    }
    findings
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    fn cats(text: &str) -> Vec<Category> {
        screen(text).into_iter().map(|f| f.category).collect()
    }

    fn words(text: &str) -> Vec<String> {
        screen(text).into_iter().map(|f| f.words).collect()
    }

    // ---------------------------------------------------------------- ordinary text

    #[test]
    fn ordinary_scope_text_passes() {
        for t in [
            "本项目位于攀枝花市东区炳草岗街道，总建筑面积约 12,000 平方米。",
            "本项目位于本市东区，由中介机构编制环境影响报告书。",
            "编制建设项目环境影响报告表，并配合业主完成审批。",
            "攀枝花市内道路改造工程的地质灾害危险性评估。",
            "园区内企业搬迁后的土壤污染状况调查。",
            "项目规模：建筑面积 5 万平方米，总投资 3.2 亿元。",
            "为某国有企业改制提供资产评估服务。",
            "国有建设用地使用权出让地块的测绘。",
            "国有资产评估报告。",
            "集体土地征收范围的勘测定界。",
            "成果须在指定地点提交，限定时间内完成。",
            "服务期限为合同签订后 30 日内。",
            "",
        ] {
            assert!(screen(t).is_empty(), "{t}: {:?}", screen(t));
        }
    }

    // ---------------------------------------------------------------- region

    #[test]
    fn region_terms_with_a_bidder_word_after_are_found() {
        assert_eq!(cats("仅限本地企业报名。"), vec![Category::Region]);
        assert_eq!(words("本地企业优先。"), vec!["本地企业"]);
        assert_eq!(words("须由本市注册的机构承担"), vec!["本市注册"]);
        assert_eq!(words("当地中介机构"), vec!["当地中介"]);
        assert_eq!(words("外地供应商不得参与"), vec!["外地供应商"]);
        assert_eq!(words("本省的服务商"), vec!["本省的服务商"]);
        assert_eq!(words("属地企业"), vec!["属地企业"]);
    }

    #[test]
    fn region_terms_with_a_restricting_word_before_are_found() {
        assert_eq!(words("服务机构限本地。"), vec!["限本地"]);
        assert_eq!(words("报名者须为本市"), vec!["须为本市"]);
        assert_eq!(words("注册在本省"), vec!["注册在本省"]);
    }

    #[test]
    fn region_inside_terms_need_the_bidder_word_right_after() {
        assert_eq!(words("省内企业"), vec!["省内企业"]);
        assert_eq!(words("攀枝花市内的机构"), vec!["市内的机构"]);
        assert!(screen("攀枝花市内道路及其两侧的企业").is_empty());
    }

    #[test]
    fn registered_seat_with_a_condition_is_found() {
        assert_eq!(words("注册地须在攀枝花市"), vec!["注册地须"]);
        assert_eq!(cats("机构注册地为四川省"), vec![Category::Region]);
        assert!(screen("注册地址变更登记").is_empty());
    }

    #[test]
    fn a_clause_boundary_stops_the_context() {
        assert!(screen("本项目在本市，企业负责施工").is_empty());
        assert_eq!(cats("本市企业；外地机构").len(), 2);
    }

    #[test]
    fn a_context_too_far_away_is_not_a_restriction() {
        assert!(screen("本市东区某工业园区的企业搬迁").is_empty());
    }

    // ---------------------------------------------------------------- ownership

    #[test]
    fn ownership_with_a_restriction_is_found() {
        assert_eq!(words("限国有企业"), vec!["限国有企业"]);
        assert_eq!(words("国企优先"), vec!["国企优先"]);
        assert_eq!(words("仅接受民营企业"), vec!["仅接受民营企业"]);
        assert_eq!(cats("外资企业不得参与报名"), vec![Category::Ownership]);
        assert_eq!(cats("要求具有国有背景"), vec![Category::Ownership]);
        assert_eq!(cats("央企方可报名"), vec![Category::Ownership]);
        assert_eq!(cats("须为集体企业"), vec![Category::Ownership]);
        assert_eq!(cats("私营公司才能参加"), vec![Category::Ownership]);
    }

    #[test]
    fn ownership_words_that_describe_the_work_pass() {
        assert!(screen("为某国有企业改制提供资产评估").is_empty());
        assert!(screen("国有土地使用权").is_empty());
        assert!(screen("民营经济发展规划编制").is_empty());
    }

    // ---------------------------------------------------------------- size

    #[test]
    fn size_thresholds_are_found() {
        assert_eq!(words("注册资本不低于500万元"), vec!["注册资本不低于"]);
        assert_eq!(words("注册资金1000万元以上"), vec!["注册资金1000万元"]);
        assert_eq!(words("员工人数 50 人"), vec!["员工人数 50 人"]);
        assert_eq!(cats("年营业收入达到2000万"), vec![Category::Size]);
        assert_eq!(cats("要求注册资本"), vec![Category::Size]);
        assert_eq!(cats("企业规模≥100人"), vec![Category::Size]);
        assert_eq!(cats("净资产 ５００ 万"), vec![Category::Size]);
    }

    #[test]
    fn size_words_without_a_threshold_pass() {
        assert!(screen("项目规模：建筑面积5万平方米").is_empty());
        assert!(screen("企业规模扩建项目，年产10万吨").is_empty());
        assert!(screen("核实注册资本变更情况").is_empty());
    }

    // ---------------------------------------------------------------- named agency

    #[test]
    fn designating_an_organisation_is_found() {
        assert_eq!(words("由业主指定的机构承担"), vec!["指定的机构"]);
        assert_eq!(cats("限定某某设计院编制"), vec![Category::NamedAgency]);
        assert_eq!(cats("定向委托测绘中心"), vec![Category::NamedAgency]);
        assert!(screen("在指定地点提交成果").is_empty());
    }

    #[test]
    fn registered_agency_names_in_the_text_are_found() {
        let names = [
            "四川蜀环环境科技有限公司",
            "蜀环",
            "攀枝花市正诚工程造价咨询有限公司",
        ];
        let f = screen_with_names("请四川蜀环环境科技有限公司编制报告", &names);
        assert_eq!(
            f,
            vec![Finding {
                category: Category::NamedAgency,
                words: "四川蜀环环境科技有限公司".into()
            }]
        );
        assert!(screen_with_names("编制环境影响报告书", &names).is_empty());
        // A short name alone is not looked for.
        assert!(screen_with_names("蜀环", &names).is_empty());
    }

    #[test]
    fn every_category_has_its_message_key() {
        for c in Category::ALL {
            assert!(c.key().starts_with("pub.fair."));
        }
        let f = screen("本地企业").remove(0);
        assert_eq!(f.args(), vec![("words", "本地企业".to_string())]);
    }

    #[test]
    fn overlapping_findings_are_reported_once() {
        // 限 before and 企业 after the same term: one finding.
        assert_eq!(screen("限本地企业").len(), 1);
    }
}
