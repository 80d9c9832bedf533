//! The agency's own profile, its certificates, the regulator's review and the scan download.

use diesel::prelude::*;
use zhongjie::auth::Role;
use zhongjie::db::schema::{agencies, agency_certificates, agency_versions, audit_log, users};

use crate::fixtures::{ItemBuilder, department};
use crate::helpers::*;

const BOUNDARY: &str = "----zjTestBoundary7MA4YWxkTrZu0gW";

/// A multipart/form-data body by hand (reqwest here has no multipart feature).
fn multipart_body(fields: &[(&str, &str)], file: Option<(&str, &str, &[u8])>) -> Vec<u8> {
    let mut b = Vec::new();
    for (k, v) in fields {
        b.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    if let Some((name, filename, bytes)) = file {
        b.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        b.extend_from_slice(bytes);
        b.extend_from_slice(b"\r\n");
    }
    b.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    b
}

/// A browser of its own (own cookies), signed in as `email`.
pub(crate) struct Browser {
    client: reqwest::Client,
    base: String,
}

impl Browser {
    async fn new(app: &TestApp, email: Option<&str>) -> Browser {
        let (client, _jar) = app.new_client();
        let b = Browser {
            client,
            base: app.address.clone(),
        };
        if let Some(email) = email {
            let r = b
                .post(
                    "/login",
                    &[("email", email), ("password", PASSWORD), ("next", "/my")],
                )
                .await;
            assert_eq!(r.status().as_u16(), 303, "login {email}");
        }
        b
    }
    async fn csrf(&self) -> String {
        let body = self
            .client
            .get(format!("{}/login", self.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        if let Some(t) = csrf_in(&body) {
            return t;
        }
        let body = self
            .client
            .get(format!("{}/", self.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        csrf_in(&body).unwrap_or_default()
    }
    async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap()
    }
    async fn get_text(&self, path: &str) -> (u16, String) {
        let r = self.get(path).await;
        (r.status().as_u16(), r.text().await.unwrap_or_default())
    }
    async fn post(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        let token = self.csrf().await;
        let mut f = form.to_vec();
        f.push(("csrf", &token));
        self.client
            .post(format!("{}{path}", self.base))
            .form(&f)
            .send()
            .await
            .unwrap()
    }
    async fn post_text(&self, path: &str, form: &[(&str, &str)]) -> (u16, String) {
        let r = self.post(path, form).await;
        (r.status().as_u16(), r.text().await.unwrap_or_default())
    }
    async fn post_multipart(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        file: Option<(&str, &str, &[u8])>,
    ) -> (u16, String) {
        let token = self.csrf().await;
        let mut f = fields.to_vec();
        f.push(("csrf", &token));
        let r = self
            .client
            .post(format!("{}{path}", self.base))
            .header(
                "Content-Type",
                format!("multipart/form-data; boundary={BOUNDARY}"),
            )
            .body(multipart_body(&f, file))
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.text().await.unwrap_or_default())
    }
}

/// Creates the departments the tests use (zrzyj reviews geo_hazard, zjj cost consulting).
fn departments(app: &TestApp) -> (i64, i64) {
    let a = department(
        app,
        "zrzyj",
        "攀枝花市自然资源和规划局",
        "Natural Resources",
    );
    let b = department(app, "zjj", "攀枝花市住房和城乡建设局", "Housing");
    (a, b)
}

/// A regulator account of department `dept`.
async fn regulator(app: &TestApp, email: &str, dept: i64) -> i64 {
    let id = app.create_user(Role::Regulator, email).await;
    let mut c = app.conn();
    diesel::update(users::table.find(id))
        .set(users::department_id.eq(Some(dept)))
        .execute(&mut *c)
        .unwrap();
    id
}

/// A retained catalogue item: guided 10,000–50,000 yuan, statutory limit 20 working days,
/// needing 地质灾害 乙级.
fn guided_item(app: &TestApp, dept: i64) -> i64 {
    geo_hazard_item().insert(app, dept)
}

fn geo_hazard_item() -> ItemBuilder<'static> {
    ItemBuilder::new("ZRZY-001", "地质灾害危险性评估")
        .keywords("地灾")
        .industry("land")
        .approval("建设用地预审")
        .legal_basis("《地质灾害防治条例》")
        .guided(1_000_000, 5_000_000)
        .requires("geo_hazard", 2)
}

fn version_of(app: &TestApp, agency: i64) -> i32 {
    let mut c = app.conn();
    agencies::table
        .find(agency)
        .select(agencies::version)
        .first(&mut *c)
        .unwrap()
}

fn audit_actions(app: &TestApp) -> Vec<String> {
    let mut c = app.conn();
    audit_log::table
        .order(audit_log::seq)
        .select(audit_log::action)
        .load(&mut *c)
        .unwrap()
}

fn cert_count(app: &TestApp, agency: i64) -> i64 {
    let mut c = app.conn();
    agency_certificates::table
        .filter(agency_certificates::agency_id.eq(agency))
        .count()
        .get_result(&mut *c)
        .unwrap()
}

/// Files kept in the upload folder (not the temporary folder).
fn kept_files(app: &TestApp) -> usize {
    let dir = zhongjie::uploads::upload_dir(&app.config);
    std::fs::read_dir(dir)
        .map(|rd| rd.flatten().filter(|e| e.path().is_file()).count())
        .unwrap_or(0)
}

const PROFILE: &[(&str, &str)] = &[
    ("legal_rep", "黄海涛"),
    ("address", "四川省成都市武侯区天府大道中段 688 号"),
    ("region", "sichuan"),
    ("contact_phone", "13808120101"),
    ("affiliated", ""),
    ("affiliated_department_id", ""),
    ("intro", "承诺按期完成，收费公开透明。"),
];

const ID_OK: &str = "11010519491231002X";

fn pdf() -> Vec<u8> {
    b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n".to_vec()
}

fn cert_fields<'a>(from: &'a str, to: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("qual_type", "geo_hazard"),
        ("level", "1"),
        ("number", "DZ-51-2024-0088"),
        ("issuer", "四川省自然资源厅"),
        ("valid_from", from),
        ("valid_to", to),
    ]
}

/// An agency with one pending geo_hazard certificate (with a scan); returns (agency id, cert id).
pub(crate) async fn agency_with_certificate(app: &TestApp, email: &str) -> (i64, i64, Browser) {
    let id = app.create_user(Role::Agency, email).await;
    let b = Browser::new(app, Some(email)).await;
    let (s, body) = b
        .post_multipart(
            "/agency/certificates/new",
            &cert_fields("2024-01-01", "2099-12-31"),
            Some(("scan", "证书.pdf", &pdf())),
        )
        .await;
    assert_eq!(s, 303, "{body}");
    let mut c = app.conn();
    let cid = agency_certificates::table
        .filter(agency_certificates::agency_id.eq(id))
        .select(agency_certificates::id)
        .first(&mut *c)
        .unwrap();
    (id, cid, b)
}

#[actix_web::test]
async fn agency_completes_profile_with_version_and_audit() {
    let app = spawn_app().await;
    let id = app.create_user(Role::Agency, "a@example.com").await;
    let b = Browser::new(&app, Some("a@example.com")).await;
    assert_eq!(version_of(&app, id), 1);

    let r = b.post("/agency/profile/edit", PROFILE).await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(version_of(&app, id), 2);
    let mut c = app.conn();
    let snaps: Vec<(i32, String)> = agency_versions::table
        .filter(agency_versions::agency_id.eq(id))
        .select((agency_versions::version, agency_versions::snapshot))
        .load(&mut *c)
        .unwrap();
    assert_eq!(snaps.len(), 1);
    assert_eq!(snaps[0].0, 2);
    assert!(snaps[0].1.contains("天府大道"), "{}", snaps[0].1);
    assert!(audit_actions(&app).contains(&"agency.profile.update".to_string()));

    // A senior manager: the ID is stored in full, shown and snapshotted masked.
    let r = b
        .post(
            "/agency/managers/new",
            &[
                ("name", "黄海涛"),
                ("id_number", ID_OK),
                ("position", "总经理"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(version_of(&app, id), 3);
    let ms = zhongjie::library::store::agency::managers(&mut c, id).unwrap();
    assert_eq!(ms[0].id_number, ID_OK);
    let (s, page) = b.get_text("/agency/profile").await;
    assert_eq!(s, 200);
    assert!(page.contains("1101**********002X"), "masked ID shown");
    assert!(!page.contains(ID_OK), "full ID never shown");
    assert!(page.contains("天府大道") && page.contains("黄海涛"));
    let last: String = agency_versions::table
        .filter(agency_versions::agency_id.eq(id))
        .order(agency_versions::version.desc())
        .select(agency_versions::snapshot)
        .first(&mut *c)
        .unwrap();
    assert!(last.contains("1101**********002X") && !last.contains(ID_OK));

    // Practitioner and an offered item, then removal: each a version.
    let r = b
        .post(
            "/agency/practitioners/new",
            &[
                ("name", "李娜"),
                ("cert_type", "注册环评工程师"),
                ("cert_number", "HP00012345"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let (zr, _) = departments(&app);
    let item = guided_item(&app, zr);
    let item_s = item.to_string();
    let r = b
        .post(
            "/agency/items/new",
            &[
                ("item_id", &item_s),
                ("fee_standard", "按评估区面积分档计费"),
                ("fee_min", "12000"),
                ("fee_max", "30000"),
                ("committed_days", "15"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let offered = zhongjie::library::store::agency::offered_items(&mut c, id).unwrap();
    assert_eq!(
        offered[0].fee_min_fen,
        Some(zhongjie::domain::money::Money::from_fen(1_200_000))
    );
    assert_eq!(offered[0].committed_days, 15);
    let r = b
        .post(&format!("/agency/managers/{}/remove", ms[0].id), &[])
        .await;
    assert_eq!(r.status().as_u16(), 303);
    assert!(
        zhongjie::library::store::agency::managers(&mut c, id)
            .unwrap()
            .is_empty()
    );
    assert_eq!(version_of(&app, id), 6);
    assert_eq!(
        zhongjie::library::store::agency::version_count(&mut c, id).unwrap(),
        5
    );
}

#[actix_web::test]
async fn another_agency_or_an_owner_cannot_edit() {
    let app = spawn_app().await;
    let (zr, _) = departments(&app);
    let item = guided_item(&app, zr);
    let a = app.create_user(Role::Agency, "a@example.com").await;
    app.create_user(Role::Agency, "b@example.com").await;
    app.create_user(Role::Owner, "o@example.com").await;
    let ba = Browser::new(&app, Some("a@example.com")).await;
    let bb = Browser::new(&app, Some("b@example.com")).await;
    let bo = Browser::new(&app, Some("o@example.com")).await;
    ba.post(
        "/agency/managers/new",
        &[("name", "黄海涛"), ("id_number", ID_OK), ("position", "")],
    )
    .await;
    let item_s = item.to_string();
    ba.post(
        "/agency/items/new",
        &[
            ("item_id", &item_s),
            ("fee_standard", "按面积"),
            ("committed_days", "10"),
        ],
    )
    .await;
    let mut c = app.conn();
    let mid = zhongjie::library::store::agency::managers(&mut c, a).unwrap()[0].id;
    let oid = zhongjie::library::store::agency::offered_items(&mut c, a).unwrap()[0].id;
    let v = version_of(&app, a);

    for (path, form) in [
        (format!("/agency/managers/{mid}/remove"), vec![]),
        (format!("/agency/items/{oid}/remove"), vec![]),
        (
            format!("/agency/items/{oid}/edit"),
            vec![("fee_standard", "改"), ("committed_days", "5")],
        ),
    ] {
        assert_eq!(bb.post(&path, &form).await.status().as_u16(), 403, "{path}");
        assert_eq!(bo.post(&path, &form).await.status().as_u16(), 403, "{path}");
    }
    assert_eq!(
        bb.get(&format!("/agency/items/{oid}/edit"))
            .await
            .status()
            .as_u16(),
        403
    );
    assert_eq!(bo.get("/agency/profile").await.status().as_u16(), 403);
    assert_eq!(
        bo.post("/agency/profile/edit", PROFILE)
            .await
            .status()
            .as_u16(),
        403
    );
    assert_eq!(version_of(&app, a), v, "nothing changed");
    assert_eq!(
        zhongjie::library::store::agency::managers(&mut c, a)
            .unwrap()
            .len(),
        1
    );
}

#[actix_web::test]
async fn bad_profile_input_is_422_beside_the_field_and_kept() {
    let app = spawn_app().await;
    let (zr, _) = departments(&app);
    let item = guided_item(&app, zr);
    let id = app.create_user(Role::Agency, "a@example.com").await;
    let b = Browser::new(&app, Some("a@example.com")).await;

    // Bad ID checksum.
    let (s, body) = b
        .post_text(
            "/agency/managers/new",
            &[
                ("name", "黄海涛"),
                ("id_number", "11010519491231003X"),
                ("position", "技术负责人"),
            ],
        )
        .await;
    assert_eq!(s, 422);
    assert!(body.contains("身份证号码校验位不正确"), "message shown");
    assert!(body.contains("f-id_number-err"), "beside the field");
    assert!(body.contains("value=\"11010519491231003X\"") && body.contains("技术负责人"));

    // Committed days over the statutory limit; fee outside the guided range.
    let item_s = item.to_string();
    let (s, body) = b
        .post_text(
            "/agency/items/new",
            &[
                ("item_id", &item_s),
                ("fee_standard", "按面积分档"),
                ("fee_min", "12000"),
                ("fee_max", "30000"),
                ("committed_days", "21"),
            ],
        )
        .await;
    assert_eq!(s, 422);
    assert!(body.contains("f-committed_days-err") && body.contains("20 个工作日"));
    assert!(body.contains("按面积分档") && body.contains("value=\"21\""));
    let (s, body) = b
        .post_text(
            "/agency/items/new",
            &[
                ("item_id", &item_s),
                ("fee_standard", "按面积分档"),
                ("fee_min", "8000"),
                ("fee_max", "30000"),
                ("committed_days", "15"),
            ],
        )
        .await;
    assert_eq!(s, 422);
    assert!(body.contains("f-fee_min-err"));
    assert!(body.contains("¥10,000.00 至 ¥50,000.00"), "range shown");
    assert!(body.contains("value=\"8000\""));
    let mut c = app.conn();
    assert!(
        zhongjie::library::store::agency::managers(&mut c, id)
            .unwrap()
            .is_empty()
    );
    assert!(
        zhongjie::library::store::agency::offered_items(&mut c, id)
            .unwrap()
            .is_empty()
    );
    assert_eq!(version_of(&app, id), 1, "nothing saved");
}

#[actix_web::test]
async fn bad_certificates_are_refused_and_leave_nothing() {
    let app = spawn_app().await;
    let id = app.create_user(Role::Agency, "a@example.com").await;
    let b = Browser::new(&app, Some("a@example.com")).await;

    // valid_to before valid_from (with a good file: the file is not kept either).
    let (s, body) = b
        .post_multipart(
            "/agency/certificates/new",
            &cert_fields("2026-01-01", "2025-12-31"),
            Some(("scan", "cert.pdf", &pdf())),
        )
        .await;
    assert_eq!(s, 422);
    assert!(body.contains("f-valid_to-err") && body.contains("有效期止必须晚于有效期起"));
    assert!(body.contains("DZ-51-2024-0088") && body.contains("四川省自然资源厅"));

    // An HTML file renamed .pdf.
    let (s, body) = b
        .post_multipart(
            "/agency/certificates/new",
            &cert_fields("2024-01-01", "2099-12-31"),
            Some((
                "scan",
                "cert.pdf",
                b"<html><script>alert(1)</script></html>",
            )),
        )
        .await;
    assert_eq!(s, 422);
    assert!(body.contains("f-scan-err") && body.contains("文件类型不符"));
    assert!(body.contains("DZ-51-2024-0088"), "other input kept");

    // Over the size cap (1 MiB; 1 MiB + 16 KiB sent). A body beyond the cap plus the form's
    // margin is refused whole with 413 (tests/api/platform/upload_limits.rs).
    {
        let mut c = app.conn();
        zhongjie::accounts::store::settings::set(&mut c, "upload_max_mib", 1, id).unwrap();
    }
    let mut big = pdf();
    big.resize(1024 * 1024 + 16 * 1024, b'0');
    let (s, body) = b
        .post_multipart(
            "/agency/certificates/new",
            &cert_fields("2024-01-01", "2099-12-31"),
            Some(("scan", "big.pdf", &big)),
        )
        .await;
    assert_eq!(s, 422);
    assert!(
        body.contains("f-scan-err") && body.contains("不得超过 1 MB"),
        "{body}"
    );

    // Missing scan.
    let (s, body) = b
        .post_multipart(
            "/agency/certificates/new",
            &cert_fields("2024-01-01", "2099-12-31"),
            None,
        )
        .await;
    assert_eq!(s, 422);
    assert!(body.contains("f-scan-err") && body.contains("请上传扫描件"));

    assert_eq!(cert_count(&app, id), 0);
    assert_eq!(kept_files(&app), 0, "no file left behind");
    let tmp = zhongjie::uploads::upload_dir(&app.config).join("tmp");
    let left = std::fs::read_dir(tmp).map(|d| d.count()).unwrap_or(0);
    assert_eq!(left, 0, "no temporary file left behind");
    assert_eq!(version_of(&app, id), 1);

    // And a good one is stored, pending, due in working days.
    let (s, _) = b
        .post_multipart(
            "/agency/certificates/new",
            &cert_fields("2024-01-01", "2099-12-31"),
            Some(("scan", "cert.pdf", &pdf())),
        )
        .await;
    assert_eq!(s, 303);
    let mut c = app.conn();
    let certs = zhongjie::library::store::agency::certificates(&mut c, id).unwrap();
    assert_eq!(certs.len(), 1);
    assert_eq!(
        certs[0].status,
        zhongjie::domain::status::ReviewStatus::Pending
    );
    let today = zhongjie::db::today();
    let cal = zhongjie::accounts::store::calendar::load_from(&mut c, today).unwrap();
    let due = cal.add_working_days(today, 2);
    assert_eq!(certs[0].review_due, due);
    assert_eq!(kept_files(&app), 1);
    assert_eq!(version_of(&app, id), 2);
}

#[actix_web::test]
async fn regulator_of_the_department_reviews_and_the_agency_is_told() {
    let app = spawn_app().await;
    let (zr, zj) = departments(&app);
    regulator(&app, "zr@example.com", zr).await;
    regulator(&app, "zj@example.com", zj).await;
    let (aid, cid, agency_b) = agency_with_certificate(&app, "a@example.com").await;
    let right = Browser::new(&app, Some("zr@example.com")).await;
    let other = Browser::new(&app, Some("zj@example.com")).await;

    let (s, q) = right.get_text("/review/certificates").await;
    assert_eq!(s, 200);
    assert!(q.contains("DZ-51-2024-0088"), "in the right queue");
    let (s, q) = other.get_text("/review/certificates").await;
    assert_eq!(s, 200);
    assert!(
        !q.contains("DZ-51-2024-0088"),
        "not in another department's queue"
    );

    let path = format!("/review/certificates/{cid}");
    assert_eq!(other.get(&path).await.status().as_u16(), 403);
    assert_eq!(
        other
            .post(&path, &[("decision", "approve"), ("reason", "")])
            .await
            .status()
            .as_u16(),
        403
    );
    // Rejection without a reason.
    let (s, body) = right
        .post_text(&path, &[("decision", "reject"), ("reason", "  ")])
        .await;
    assert_eq!(s, 422);
    assert!(body.contains("f-reason-err") && body.contains("审核不通过必须填写理由"));
    let mut c = app.conn();
    let cert = zhongjie::library::store::agency::find_certificate(&mut c, cid)
        .unwrap()
        .unwrap();
    assert_eq!(cert.status, zhongjie::domain::status::ReviewStatus::Pending);

    let v = version_of(&app, aid);
    let r = right
        .post(&path, &[("decision", "approve"), ("reason", "材料齐全")])
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let cert = zhongjie::library::store::agency::find_certificate(&mut c, cid)
        .unwrap()
        .unwrap();
    assert_eq!(
        cert.status,
        zhongjie::domain::status::ReviewStatus::Approved
    );
    assert!(cert.reviewed_by.is_some() && cert.reviewed_at.is_some());
    assert!(cert.counts_on(zhongjie::db::today()));
    assert_eq!(version_of(&app, aid), v + 1);
    assert!(audit_actions(&app).contains(&"agency.certificate.approve".to_string()));
    let mails = app.outbox_bodies();
    assert!(
        mails.iter().any(|(to, body)| to == "a@example.com"
            && body.contains("DZ-51-2024-0088")
            && body.contains("审核通过")),
        "{mails:?}"
    );
    // An overdue certificate is marked in the queue; a rejection carries its reason to the
    // agency's page and mail.
    let (s, _) = agency_b
        .post_multipart(
            "/agency/certificates/new",
            &cert_fields("2024-01-01", "2099-12-31"),
            Some(("scan", "c.pdf", &pdf())),
        )
        .await;
    assert_eq!(s, 303);
    let cid2: i64 = agency_certificates::table
        .filter(agency_certificates::status.eq("pending"))
        .select(agency_certificates::id)
        .first(&mut *c)
        .unwrap();
    let past = chrono::NaiveDate::from_ymd_opt(2026, 1, 5).unwrap();
    diesel::update(agency_certificates::table.find(cid2))
        .set(agency_certificates::review_due.eq(past))
        .execute(&mut *c)
        .unwrap();
    let (_, q) = right.get_text("/review/certificates").await;
    assert!(
        q.contains("2026-01-05") && q.contains("已超期"),
        "overdue mark"
    );
    let r = right
        .post(
            &format!("/review/certificates/{cid2}"),
            &[
                ("decision", "reject"),
                ("reason", "证书编号与发证机关公示信息不符"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let (_, page) = agency_b.get_text("/agency/profile").await;
    assert!(page.contains("证书编号与发证机关公示信息不符") && page.contains("审核不通过"));
    assert!(
        app.outbox_bodies()
            .iter()
            .any(|(to, body)| to == "a@example.com"
                && body.contains("证书编号与发证机关公示信息不符"))
    );

    // A second decision is not recorded.
    let r = right
        .post(&path, &[("decision", "reject"), ("reason", "重复")])
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let cert = zhongjie::library::store::agency::find_certificate(&mut c, cid)
        .unwrap()
        .unwrap();
    assert_eq!(
        cert.status,
        zhongjie::domain::status::ReviewStatus::Approved
    );
}

#[actix_web::test]
async fn scan_download_by_role_with_safe_headers() {
    let app = spawn_app().await;
    let (zr, zj) = departments(&app);
    regulator(&app, "zr@example.com", zr).await;
    regulator(&app, "zj@example.com", zj).await;
    app.create_user(Role::Admin, "admin@example.com").await;
    app.create_user(Role::Agency, "b@example.com").await;
    app.create_user(Role::Owner, "o@example.com").await;
    let (_, cid, own) = agency_with_certificate(&app, "a@example.com").await;
    let path = format!("/agency/certificates/{cid}/scan");

    for (who, b, want) in [
        ("agency itself", own, 200),
        (
            "right regulator",
            Browser::new(&app, Some("zr@example.com")).await,
            200,
        ),
        (
            "admin",
            Browser::new(&app, Some("admin@example.com")).await,
            200,
        ),
        (
            "other regulator",
            Browser::new(&app, Some("zj@example.com")).await,
            403,
        ),
        (
            "other agency",
            Browser::new(&app, Some("b@example.com")).await,
            403,
        ),
        (
            "owner",
            Browser::new(&app, Some("o@example.com")).await,
            403,
        ),
        ("visitor", Browser::new(&app, None).await, 303),
    ] {
        let r = b.get(&path).await;
        assert_eq!(r.status().as_u16(), want, "{who}");
        if want == 200 {
            let h = r.headers();
            let cd = h
                .get("content-disposition")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            assert!(cd.starts_with("attachment"), "{who}: {cd}");
            assert_eq!(
                h.get("x-content-type-options")
                    .and_then(|v| v.to_str().ok()),
                Some("nosniff")
            );
            assert_eq!(
                h.get("content-type").and_then(|v| v.to_str().ok()),
                Some("application/pdf")
            );
            assert_eq!(r.bytes().await.unwrap().to_vec(), pdf());
        }
    }
}

/// Every route of this feature as visitor, owner, agency (self), agency (other), regulator of
/// the reviewing department, regulator of another department and admin.
#[actix_web::test]
async fn authorization_table() {
    let app = spawn_app().await;
    let (zr, zj) = departments(&app);
    let item = guided_item(&app, zr);
    regulator(&app, "zr@example.com", zr).await;
    regulator(&app, "zj@example.com", zj).await;
    app.create_user(Role::Admin, "admin@example.com").await;
    app.create_user(Role::Owner, "o@example.com").await;
    app.create_user(Role::Agency, "b@example.com").await;
    let (aid, cid, own) = agency_with_certificate(&app, "a@example.com").await;
    own.post(
        "/agency/managers/new",
        &[("name", "黄海涛"), ("id_number", ID_OK), ("position", "")],
    )
    .await;
    own.post(
        "/agency/practitioners/new",
        &[
            ("name", "李娜"),
            ("cert_type", "注册测绘师"),
            ("cert_number", "CH0001"),
        ],
    )
    .await;
    let item_s = item.to_string();
    own.post(
        "/agency/items/new",
        &[
            ("item_id", &item_s),
            ("fee_standard", "按面积"),
            ("committed_days", "10"),
        ],
    )
    .await;
    let (mid, pid, oid) = {
        let mut c = app.conn();
        (
            zhongjie::library::store::agency::managers(&mut c, aid).unwrap()[0].id,
            zhongjie::library::store::agency::practitioners(&mut c, aid).unwrap()[0].id,
            zhongjie::library::store::agency::offered_items(&mut c, aid).unwrap()[0].id,
        )
    };
    let browsers = [
        Browser::new(&app, None).await,
        Browser::new(&app, Some("o@example.com")).await,
        own,
        Browser::new(&app, Some("b@example.com")).await,
        Browser::new(&app, Some("zr@example.com")).await,
        Browser::new(&app, Some("zj@example.com")).await,
        Browser::new(&app, Some("admin@example.com")).await,
    ];
    // [visitor, owner, agency self, agency other, regulator right, regulator other, admin]
    let table: Vec<(&str, String, [u16; 7])> = vec![
        (
            "GET",
            "/agency/profile".into(),
            [303, 403, 200, 200, 403, 403, 403],
        ),
        (
            "GET",
            "/agency/profile/edit".into(),
            [303, 403, 200, 200, 403, 403, 403],
        ),
        (
            "POST",
            "/agency/profile/edit".into(),
            [303, 403, 422, 422, 403, 403, 403],
        ),
        (
            "GET",
            "/agency/managers/new".into(),
            [303, 403, 200, 200, 403, 403, 403],
        ),
        (
            "POST",
            "/agency/managers/new".into(),
            [303, 403, 422, 422, 403, 403, 403],
        ),
        (
            "GET",
            "/agency/practitioners/new".into(),
            [303, 403, 200, 200, 403, 403, 403],
        ),
        (
            "POST",
            "/agency/practitioners/new".into(),
            [303, 403, 422, 422, 403, 403, 403],
        ),
        (
            "GET",
            "/agency/items/new".into(),
            [303, 403, 200, 200, 403, 403, 403],
        ),
        (
            "POST",
            "/agency/items/new".into(),
            [303, 403, 422, 422, 403, 403, 403],
        ),
        (
            "GET",
            format!("/agency/items/{oid}/edit"),
            [303, 403, 200, 403, 403, 403, 403],
        ),
        (
            "POST",
            format!("/agency/items/{oid}/edit"),
            [303, 403, 422, 403, 403, 403, 403],
        ),
        (
            "GET",
            "/agency/items/999999/edit".into(),
            [303, 403, 404, 404, 403, 403, 403],
        ),
        (
            "GET",
            "/agency/certificates/new".into(),
            [303, 403, 200, 200, 403, 403, 403],
        ),
        (
            "GET",
            format!("/agency/certificates/{cid}/scan"),
            [303, 403, 200, 403, 200, 403, 200],
        ),
        (
            "GET",
            "/agency/certificates/999999/scan".into(),
            [303, 403, 404, 404, 403, 403, 404],
        ),
        (
            "GET",
            "/review/certificates".into(),
            [303, 403, 403, 403, 200, 200, 403],
        ),
        (
            "GET",
            format!("/review/certificates/{cid}"),
            [303, 403, 403, 403, 200, 403, 403],
        ),
        (
            "GET",
            "/review/certificates/999999".into(),
            [303, 403, 403, 403, 404, 404, 403],
        ),
        (
            "POST",
            format!("/review/certificates/{cid}"),
            [303, 403, 403, 403, 400, 403, 403],
        ),
        // Removals last: they succeed for the owner of the row.
        (
            "POST",
            format!("/agency/managers/{mid}/remove"),
            [303, 403, 303, 403, 403, 403, 403],
        ),
        (
            "POST",
            format!("/agency/practitioners/{pid}/remove"),
            [303, 403, 303, 403, 403, 403, 403],
        ),
        (
            "POST",
            format!("/agency/items/{oid}/remove"),
            [303, 403, 303, 403, 403, 403, 403],
        ),
    ];
    let mut wrong = Vec::new();
    for (method, path, want) in &table {
        // The owner of the row acts last so the others see the row still there.
        for i in [0usize, 1, 3, 4, 5, 6, 2] {
            let b = &browsers[i];
            let got = if *method == "GET" {
                b.get(path).await.status().as_u16()
            } else {
                b.post(path, &[]).await.status().as_u16()
            };
            if got != want[i] {
                wrong.push(format!(
                    "{method} {path} as #{i}: got {got}, want {}",
                    want[i]
                ));
            }
        }
    }
    // The certificate upload is multipart: an empty form from an agency is refused in place.
    for (i, want) in [(0usize, 303u16), (1, 403), (2, 422), (4, 403), (6, 403)] {
        let (got, _) = browsers[i]
            .post_multipart("/agency/certificates/new", &[], None)
            .await;
        if got != want {
            wrong.push(format!("POST certificate as #{i}: got {got}, want {want}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn an_expired_certificate_does_not_count() {
    use chrono::NaiveDate;
    use zhongjie::domain::agency_rules::{CertFacts, meets, valid_qualifications};
    let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
    let cert = CertFacts {
        qual_type: "geo_hazard",
        level: 2,
        approved: true,
        valid_from: d(2021, 5, 1),
        valid_to: d(2026, 5, 1),
    };
    let required = vec![("geo_hazard".to_string(), 2)];
    assert!(meets(&required, &[cert], d(2026, 4, 30)).is_ok());
    assert!(
        meets(&required, &[cert], d(2026, 5, 1)).is_err(),
        "expiry day"
    );
    assert!(valid_qualifications(&[cert], d(2026, 5, 1)).is_empty());
}

#[actix_web::test]
async fn demo_profiles_and_bulk_agencies() {
    let app = spawn_app().await;
    let pool = app.pool.clone();
    let cfg = app.config.clone();
    let (report_created, bulk) = actix_web::web::block(move || {
        let mut c = pool.get().unwrap();
        let r = zhongjie::demo::load(&mut c, &cfg).unwrap();
        let zr = zhongjie::accounts::store::department::all(&mut c)
            .unwrap()
            .into_iter()
            .find(|d| d.code == "zrzyj")
            .unwrap()
            .id;
        geo_hazard_item().insert_with(&mut c, zr);
        let a = zhongjie::demo::agencies::generate(&mut c, 1200).unwrap();
        let b = zhongjie::demo::agencies::generate(&mut c, 30).unwrap();
        (r.created, a + b)
    })
    .await
    .unwrap();
    assert!(report_created > 0);
    assert_eq!(bulk, 1230);
    let mut c = app.conn();
    let u = zhongjie::accounts::store::user::find_by_email(&mut c, "agency3@demo.zhongjie.cn")
        .unwrap()
        .unwrap();
    let a = zhongjie::library::store::agency::find(&mut c, u.id)
        .unwrap()
        .unwrap();
    // Versions: the profile, then each certificate submitted and each one reviewed.
    let versions = zhongjie::library::store::agency::version_count(&mut c, u.id).unwrap();
    assert!(!a.legal_rep.is_empty() && a.region == "yunnan");
    assert!(a.version >= 2 && i64::from(a.version) == versions + 1);
    let ms = zhongjie::library::store::agency::managers(&mut c, u.id).unwrap();
    assert!(ms.len() >= 2);
    for m in &ms {
        assert!(zhongjie::domain::idcard::IdNumber::parse(&m.id_number).is_ok());
    }
    let certs = zhongjie::library::store::agency::certificates(&mut c, u.id).unwrap();
    assert!(
        certs
            .iter()
            .any(|x| x.status == zhongjie::domain::status::ReviewStatus::Approved)
    );
    assert!(
        certs
            .iter()
            .any(|x| x.status == zhongjie::domain::status::ReviewStatus::Pending)
    );
    let n: i64 = agencies::table.count().get_result(&mut *c).unwrap();
    // 5 demo logins, the demo sanctions' agencies, the other firms, the bulk ones.
    assert_eq!(
        n,
        5 + zhongjie::demo::sanctions::AGENCIES.len() as i64
            + zhongjie::demo::agencies::FIRMS.len() as i64
            + 1230
    );
    let distinct: i64 = agencies::table
        .select(diesel::dsl::count(agencies::uscc).aggregate_distinct())
        .first(&mut *c)
        .unwrap();
    assert_eq!(distinct, n);
    let grams: i64 = zhongjie::db::schema::agency_search_grams::table
        .count()
        .get_result(&mut *c)
        .unwrap();
    assert!(grams > 1230 * 10);
    // Every offer keeps to its item's rules: a guided fee inside the published range, a
    // fixed fee equal to it, and a time commitment within the statutory limit.
    use zhongjie::db::schema::{agency_items as ai, catalogue_items as ci};
    type Offer = (
        Option<i64>,
        Option<i64>,
        i32,
        String,
        Option<i64>,
        Option<i64>,
        i32,
    );
    let offers: Vec<Offer> = ai::table
        .inner_join(ci::table)
        .select((
            ai::fee_min_fen,
            ai::fee_max_fen,
            ai::committed_days,
            ci::pricing,
            ci::price_min_fen,
            ci::price_max_fen,
            ci::time_limit_days,
        ))
        .load(&mut *c)
        .unwrap();
    assert!(offers.len() >= 1230, "every bulk agency offers an item");
    for (lo, hi, days, pricing, pmin, pmax, limit) in offers {
        assert!((1..=limit).contains(&days), "{days} within {limit}");
        if let (Some(lo), Some(hi)) = (lo, hi) {
            assert!(lo <= hi);
            if pricing == "guided" {
                assert!(
                    lo >= pmin.unwrap() && hi <= pmax.unwrap(),
                    "{lo}-{hi} inside {pmin:?}-{pmax:?}"
                );
            }
            if pricing == "fixed" {
                assert_eq!((Some(lo), Some(hi)), (pmin, pmax));
            }
        }
    }
    // A bulk agency signs in with the demo password and sees its profile.
    let b = Browser::new(&app, None).await;
    let r = b
        .client
        .post(format!("{}/login", b.base))
        .form(&[
            ("email", "bulk7@agencies.example"),
            ("password", zhongjie::demo::DEMO_PASSWORD),
            ("next", "/my"),
            ("csrf", &b.csrf().await),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    let (s, page) = b.get_text("/agency/profile").await;
    assert_eq!(s, 200);
    assert!(page.contains("法定代表人") || page.contains("**********"));
}
