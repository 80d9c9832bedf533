//! Uploaded files (certificate scans, assessment documents): PDF, JPEG or PNG only, recognised
//! by their first bytes rather than their names; at most `upload_max_mib` (setting); stored
//! outside the web root under a server-made name in `<data>/uploads` (or `ZJ_UPLOAD_DIR`); never
//! served inline. A refused or interrupted upload leaves no file behind: the bytes go to a
//! temporary file that is renamed into place only when the whole upload is accepted.
//!
//! Forms with a file are `multipart/form-data`. A handler takes an [`UploadBody`] (nothing is
//! read when it is extracted), decides who may post (role and ownership) and only then calls
//! [`UploadBody::read`], which parses the text fields and at most one file. The whole body is
//! capped at the upload limit plus [`FORM_MARGIN`]: a larger declared length is refused before
//! a byte is read, and a body that grows past the cap while streaming is refused at once (413).
//! The CSRF token must arrive among the text fields before the file (our forms put it first),
//! so no file byte is read for a forged request.

pub mod store;

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use std::cell::Cell;
use std::future::{Ready, ready};
use std::rc::Rc;

use actix_multipart::Multipart;
use actix_web::http::header::{self, HeaderMap};
use actix_web::{FromRequest, HttpRequest, dev};
use futures_util::StreamExt;

use crate::config::Config;
use crate::error::AppError;
use crate::web::Ctx;

/// Room a multipart form needs beyond its file: its text fields (at most
/// `web::forms::FORM_LIMIT` in all) and every part's boundary and headers.
pub const FORM_MARGIN: u64 = 2 * crate::web::forms::FORM_LIMIT as u64;

/// Refusals a form shows beside its file field (locale keys under `upload.`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UploadProblem {
    /// Not a PDF, JPEG or PNG by content (whatever its name says).
    WrongType,
    TooLarge,
    Empty,
}

impl UploadProblem {
    pub fn key(self) -> &'static str {
        match self {
            UploadProblem::WrongType => "upload.wrong_type",
            UploadProblem::TooLarge => "upload.too_large",
            UploadProblem::Empty => "upload.empty",
        }
    }
}

/// The content type a file's first bytes prove, if it is one we accept.
pub fn sniff(head: &[u8]) -> Option<&'static str> {
    if head.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if head.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Some("image/png")
    } else {
        None
    }
}

pub fn upload_dir(cfg: &Config) -> PathBuf {
    std::env::var("ZJ_UPLOAD_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| cfg.data_dir.join("uploads"))
}

/// A file received and checked, sitting in a temporary file until [`Received::keep`].
pub struct Received {
    pub original_name: String,
    pub content_type: &'static str,
    pub size: i64,
    pub sha256: String,
    tmp: tempfile::NamedTempFile,
}

/// What an `uploads` row records of a kept file: original name, type, size, SHA-256.
pub use store::KeptMeta;

/// Moves a received file into the upload folder on the blocking pool; returns its stored name
/// and what its `uploads` row records. Handlers call it only once every other field is valid.
pub async fn keep_received(file: Received, dir: &Path) -> Result<(String, KeptMeta), AppError> {
    let meta = (
        file.original_name.clone(),
        file.content_type,
        file.size,
        file.sha256.clone(),
    );
    let dir = dir.to_path_buf();
    let name = actix_web::web::block(move || file.keep(&dir))
        .await
        .map_err(AppError::internal)?
        .map_err(AppError::internal)?;
    Ok((name, meta))
}

impl Received {
    /// Moves the file into the upload folder under a fresh server-made name; returns the name.
    pub fn keep(self, dir: &Path) -> std::io::Result<String> {
        std::fs::create_dir_all(dir)?;
        let ext = match self.content_type {
            "application/pdf" => "pdf",
            "image/jpeg" => "jpg",
            _ => "png",
        };
        let name = format!("{}.{ext}", crate::auth::token::new_token());
        self.tmp.as_file().sync_all()?;
        self.tmp.persist(dir.join(&name)).map_err(|e| e.error)?;
        Ok(name)
    }
}

/// A parsed multipart form: its text fields and its file (if one was sent and it passed).
pub struct MultipartForm {
    pub fields: HashMap<String, String>,
    pub file: Option<Result<Received, UploadProblem>>,
}

impl MultipartForm {
    pub fn field(&self, name: &str) -> String {
        self.fields.get(name).cloned().unwrap_or_default()
    }
}

/// A multipart request body, not yet read.
pub struct UploadBody {
    headers: HeaderMap,
    payload: dev::Payload,
}

impl FromRequest for UploadBody {
    type Error = AppError;
    type Future = Ready<Result<UploadBody, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut dev::Payload) -> Self::Future {
        ready(Ok(UploadBody {
            headers: req.headers().clone(),
            payload: payload.take(),
        }))
    }
}

impl UploadBody {
    /// Reads the form once the handler has decided the user may post it. Text fields are capped
    /// at `FORM_LIMIT` in all, the file at `max_bytes` (a larger file is reported beside its
    /// field while the body stays within the cap), the body at `max_bytes + FORM_MARGIN`. The
    /// CSRF token is checked as soon as its field arrives and must come before the file.
    pub async fn read(
        self,
        ctx: &Ctx,
        tmp_dir: &Path,
        max_bytes: u64,
    ) -> Result<MultipartForm, AppError> {
        let cap = max_bytes.saturating_add(FORM_MARGIN);
        let declared = self
            .headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        if declared.is_some_and(|n| n > cap) {
            tracing::info!(declared, cap, "multipart body refused by its length");
            return Err(AppError::PayloadTooLarge);
        }
        // Past the cap the stream ends early; the flag tells the parser's "incomplete" error
        // apart from a malformed body.
        let over = Rc::new(Cell::new(false));
        let flag = over.clone();
        let mut seen: u64 = 0;
        let capped = self
            .payload
            .map(move |chunk| {
                let chunk = chunk?;
                seen += chunk.len() as u64;
                if seen > cap {
                    flag.set(true);
                    return Err(actix_web::error::PayloadError::Overflow);
                }
                Ok(chunk)
            })
            .take_while(|c| std::future::ready(c.is_ok()));
        let mp = Multipart::new(&self.headers, capped);
        let form = parse(mp, ctx, tmp_dir, max_bytes).await;
        if over.get() {
            tracing::info!(cap, "multipart body refused while streaming");
            return Err(AppError::PayloadTooLarge);
        }
        form
    }
}

/// Parses the parts: text fields, the CSRF token before any file, at most one file.
/// Bytes of a file over `max_bytes` are drained (within the body's cap) and discarded so the
/// form can say so beside its field.
async fn parse(
    mut mp: Multipart,
    ctx: &Ctx,
    tmp_dir: &Path,
    max_bytes: u64,
) -> Result<MultipartForm, AppError> {
    let mut fields = HashMap::new();
    let mut text_total = 0usize;
    let mut file = None;
    let mut csrf_checked = false;
    while let Some(item) = mp.next().await {
        let mut part = item.map_err(|_| AppError::BadRequest("err.form.malformed"))?;
        let name = part.name().unwrap_or("").to_string();
        let filename = part
            .content_disposition()
            .and_then(|cd| cd.get_filename().map(str::to_string));
        match filename {
            Some(_) if !csrf_checked => {
                // A file before the token: refused before a byte of it is read.
                tracing::warn!(path = %ctx.req.path, request_id = %ctx.req.request_id, "file part before the CSRF token");
                return Err(AppError::Csrf);
            }
            Some(fname) if file.is_none() => {
                std::fs::create_dir_all(tmp_dir).map_err(AppError::internal)?;
                let mut tmp =
                    tempfile::NamedTempFile::new_in(tmp_dir).map_err(AppError::internal)?;
                let mut size: u64 = 0;
                let mut head = Vec::with_capacity(16);
                let mut hasher = <sha2::Sha256 as sha2::Digest>::new();
                let mut too_large = false;
                while let Some(chunk) = part.next().await {
                    let chunk = chunk.map_err(|_| AppError::BadRequest("err.form.malformed"))?;
                    size += chunk.len() as u64;
                    if size > max_bytes {
                        too_large = true;
                        continue;
                    }
                    if head.len() < 16 {
                        head.extend_from_slice(&chunk[..chunk.len().min(16 - head.len())]);
                    }
                    sha2::Digest::update(&mut hasher, &chunk);
                    tmp.write_all(&chunk).map_err(AppError::internal)?;
                }
                let result = if too_large {
                    Err(UploadProblem::TooLarge)
                } else if size == 0 && fname.is_empty() {
                    // The form's file input was left empty.
                    continue;
                } else if size == 0 {
                    Err(UploadProblem::Empty)
                } else {
                    match sniff(&head) {
                        Some(ct) => Ok(Received {
                            original_name: fname.chars().take(200).collect(),
                            content_type: ct,
                            size: size as i64,
                            sha256: hex::encode(sha2::Digest::finalize(hasher)),
                            tmp,
                        }),
                        None => Err(UploadProblem::WrongType),
                    }
                };
                // A refused file's temporary file is dropped here, which deletes it.
                file = Some(result);
            }
            _ => {
                let mut value = Vec::new();
                while let Some(chunk) = part.next().await {
                    let chunk = chunk.map_err(|_| AppError::BadRequest("err.form.malformed"))?;
                    text_total += chunk.len();
                    if text_total > crate::web::forms::FORM_LIMIT {
                        return Err(AppError::PayloadTooLarge);
                    }
                    value.extend_from_slice(&chunk);
                }
                let value = String::from_utf8_lossy(&value).into_owned();
                if name == "csrf" {
                    ctx.check_csrf(&value)?;
                    csrf_checked = true;
                }
                fields.insert(name, value);
            }
        }
    }
    if !csrf_checked {
        // A form without its token.
        ctx.check_csrf("")?;
    }
    Ok(MultipartForm { fields, file })
}

/// Sends a kept file as a download: never inline, never sniffed, under a server-made name
/// (`<base>.<ext>`) plus the original name for the browser's save dialog.
pub async fn send_file(
    cfg: &Config,
    up: &crate::uploads::store::Upload,
    base: &str,
) -> Result<actix_web::HttpResponse, AppError> {
    // The stored name is made by the server; refuse anything that could leave the folder.
    if up.stored_name.contains(['/', '\\']) || up.stored_name.starts_with('.') {
        return Err(AppError::NotFound);
    }
    let file = upload_dir(cfg).join(&up.stored_name);
    let bytes = actix_web::web::block(move || std::fs::read(file))
        .await
        .map_err(AppError::internal)?
        .map_err(|_| AppError::NotFound)?;
    let ext = match up.content_type.as_str() {
        "application/pdf" => "pdf",
        "image/jpeg" => "jpg",
        _ => "png",
    };
    let original: String =
        url::form_urlencoded::byte_serialize(up.original_name.as_bytes()).collect();
    Ok(actix_web::HttpResponse::Ok()
        .content_type(up.content_type.clone())
        .insert_header((
            "Content-Disposition",
            format!(
                "attachment; filename=\"{base}.{ext}\"; filename*=UTF-8''{}",
                original.replace('+', "%20")
            ),
        ))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .body(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_are_recognised_by_content() {
        assert_eq!(sniff(b"%PDF-1.7\n"), Some("application/pdf"));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
        assert_eq!(
            sniff(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0]),
            Some("image/png")
        );
        assert_eq!(
            sniff(b"MZ\x90\x00"),
            None,
            "an executable named .pdf is refused"
        );
        assert_eq!(sniff(b"<html>"), None);
        assert_eq!(sniff(b""), None);
    }
}
