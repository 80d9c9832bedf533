//! The datasets the platform publishes as open data: their keys, pages and fields. One list
//! serves the `/open-data` index (what is published, with what fields), the headers of every
//! CSV download and the keys of every JSON item, so the three cannot disagree.
//!
//! A field's meaning is the locale text `od.f.<field>` (also the CSV column title in the
//! reader's language); a dataset's description is `od.<key>.desc`.

/// One published dataset.
#[derive(Debug, PartialEq, Eq)]
pub struct Dataset {
    /// Stable key: the download's file name and the JSON `dataset` field.
    pub key: &'static str,
    /// The HTML page (and, with `?format=`, the downloads).
    pub page: &'static str,
    /// Where the downloads live when not at `page` (e.g. `/results`).
    pub download: &'static str,
    /// The fields of a JSON item, in the order of the CSV columns.
    pub fields: &'static [&'static str],
    /// Whether `csv` and `json` are served (`false`: linked, published elsewhere, e.g. OCDS).
    pub tabular: bool,
}

impl Dataset {
    /// The locale key of the description.
    pub fn desc_key(&self) -> String {
        format!("od.{}.desc", self.key)
    }
    /// The locale key of the title.
    pub fn title_key(&self) -> String {
        format!("od.{}.title", self.key)
    }
}

pub const CATALOGUE: Dataset = Dataset {
    key: "catalogue",
    page: "/catalogue",
    download: "/catalogue",
    fields: &[
        "code",
        "name",
        "industry_name",
        "approval_name",
        "department_name",
        "legal_basis",
        "time_limit_working_days",
        "pricing",
        "price_min_yuan",
        "price_max_yuan",
        "payer",
        "status",
        "version",
        "updated_at",
    ],
    tabular: true,
};

pub const CATALOGUE_CHANGES: Dataset = Dataset {
    key: "catalogue_changes",
    page: "/catalogue/changes",
    download: "/catalogue/changes",
    fields: &[
        "id",
        "date",
        "item_code",
        "item_name",
        "kind",
        "kind_name",
        "version",
        "reason",
        "legal_basis",
        "by",
    ],
    tabular: true,
};

pub const AGENCIES: Dataset = Dataset {
    key: "agencies",
    page: "/agencies",
    download: "/agencies",
    fields: &[
        "id",
        "name",
        "uscc",
        "region_name",
        "items",
        "qualifications",
        "grade",
        "restrictions",
        "url",
    ],
    tabular: true,
};

pub const ANNOUNCEMENTS: Dataset = Dataset {
    key: "announcements",
    page: "/announcements",
    download: "/announcements",
    fields: &[
        "id",
        "project",
        "item_code",
        "item_name",
        "mode",
        "mode_name",
        "status",
        "status_name",
        "published_at",
        "deadline",
        "quotes",
        "url",
    ],
    tabular: true,
};

pub const RESULTS: Dataset = Dataset {
    key: "results",
    page: "/announcements?status=awarded",
    download: "/results",
    fields: &[
        "announcement_id",
        "project",
        "item_code",
        "item_name",
        "mode",
        "mode_name",
        "status",
        "winner",
        "winner_uscc",
        "price_yuan",
        "opened_at",
        "url",
    ],
    tabular: true,
};

pub const CREDIT: Dataset = Dataset {
    key: "credit",
    page: "/credit",
    download: "/credit",
    fields: &[
        "id",
        "name",
        "region_name",
        "grade",
        "score",
        "red_list",
        "restrictions",
        "url",
    ],
    tabular: true,
};

pub const BLACKLIST: Dataset = Dataset {
    key: "blacklist",
    page: "/blacklist",
    download: "/blacklist",
    fields: &[
        "id",
        "agency_id",
        "agency",
        "uscc",
        "department",
        "reason",
        "legal_basis",
        "period",
        "state",
        "state_name",
    ],
    tabular: true,
};

pub const EXPOSURE: Dataset = Dataset {
    key: "exposure",
    page: "/exposure",
    download: "/exposure",
    fields: &[
        "kind_name",
        "date",
        "ends_on",
        "state_name",
        "agency",
        "uscc",
        "department",
        "reason",
        "legal_basis",
        "points",
        "persons",
    ],
    tabular: true,
};

pub const COMPLAINT_OUTCOMES: Dataset = Dataset {
    key: "complaint_outcomes",
    page: "/complaints/outcomes",
    download: "/complaints/outcomes",
    fields: &[
        "id",
        "tracking_no",
        "department",
        "against",
        "respondent",
        "grounds",
        "outcome",
        "answered",
        "reasons",
    ],
    tabular: true,
};

pub const INSPECTIONS: Dataset = Dataset {
    key: "inspections",
    page: "/inspections",
    download: "/inspections",
    fields: &[
        "id",
        "title",
        "department",
        "rate_pct",
        "population_size",
        "sample_size",
        "window",
        "status_name",
        "publish_due",
        "url",
    ],
    tabular: true,
};

pub const FULFILMENT: Dataset = Dataset {
    key: "fulfilment",
    page: "/figures/fulfilment",
    download: "/figures/fulfilment",
    fields: &[
        "agency_id",
        "agency",
        "fulfilment_rate",
        "on_time",
        "due",
        "avg_days_used",
        "avg_days_statutory",
        "faster",
        "meets_target",
    ],
    tabular: true,
};

/// The OCDS datasets (published by `src/ocds/`, JSON only).
pub const OCDS_RELEASES: Dataset = Dataset {
    key: "ocds_releases",
    page: "/open-data/ocds",
    download: "/open-data/ocds",
    fields: &[],
    tabular: false,
};

/// The chart data of `/stats` (one CSV per chart).
pub const STATS: Dataset = Dataset {
    key: "stats",
    page: "/stats",
    download: "/stats",
    fields: &[],
    tabular: false,
};

/// Every dataset, in the order of the index.
pub const ALL: &[&Dataset] = &[
    &CATALOGUE,
    &CATALOGUE_CHANGES,
    &AGENCIES,
    &ANNOUNCEMENTS,
    &RESULTS,
    &CREDIT,
    &BLACKLIST,
    &EXPOSURE,
    &COMPLAINT_OUTCOMES,
    &INSPECTIONS,
    &FULFILMENT,
    &OCDS_RELEASES,
    &STATS,
];

/// The dataset of `key`.
pub fn find(key: &str) -> Option<&'static Dataset> {
    ALL.iter().copied().find(|d| d.key == key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique_and_fields_too() {
        for (i, d) in ALL.iter().enumerate() {
            assert!(ALL[..i].iter().all(|o| o.key != d.key), "{}", d.key);
            for (j, f) in d.fields.iter().enumerate() {
                assert!(!d.fields[..j].contains(f), "{}.{f}", d.key);
            }
            assert_eq!(d.tabular, !d.fields.is_empty(), "{}", d.key);
            assert!(d.page.starts_with('/') && d.download.starts_with('/'));
        }
        assert_eq!(find("credit"), Some(&CREDIT));
        assert_eq!(find("nope"), None);
    }
}
