//! Password hashing: Argon2id at OWASP's parameters (19 MiB, 2 passes, 1 lane), computed on
//! the blocking pool and never more than `max_concurrent_hashes` at once, so a burst of logins
//! cannot exhaust memory or starve page rendering.

use std::sync::Arc;

use argon2::{Algorithm, Argon2, Params, PasswordHasher, PasswordVerifier, Version};
use tokio::sync::Semaphore;

#[derive(Clone)]
pub struct Hasher {
    permits: Arc<Semaphore>,
}

fn argon() -> Result<Argon2<'static>, argon2::Error> {
    let params = Params::new(19 * 1024, 2, 1, None)?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Hashes synchronously. Use [`Hasher::hash`] from async code.
pub fn hash_blocking(password: &str) -> Result<String, String> {
    let a = argon().map_err(|e| e.to_string())?;
    a.hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// Verifies synchronously; a malformed stored hash counts as a mismatch.
pub fn verify_blocking(password: &str, stored: &str) -> bool {
    match argon() {
        Ok(a) => a.verify_password(password.as_bytes(), stored).is_ok(),
        Err(_) => false,
    }
}

/// A hash of a random password, verified against when the account does not exist so that
/// response time does not reveal which e-mail addresses are registered.
pub fn dummy_hash() -> &'static str {
    static H: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    H.get_or_init(|| hash_blocking(&super::token::new_token()).unwrap_or_default())
}

impl Hasher {
    pub fn new(max_concurrent: usize) -> Self {
        Hasher {
            permits: Arc::new(Semaphore::new(max_concurrent.max(1))),
        }
    }

    pub async fn hash(&self, password: String) -> Result<String, String> {
        let _permit = self.permits.acquire().await.map_err(|e| e.to_string())?;
        actix_web::web::block(move || hash_blocking(&password))
            .await
            .map_err(|e| e.to_string())?
    }

    pub async fn verify(&self, password: String, stored: Option<String>) -> bool {
        let Ok(_permit) = self.permits.acquire().await else {
            return false;
        };
        actix_web::web::block(move || match stored {
            Some(s) => verify_blocking(&password, &s),
            None => {
                let _ = verify_blocking(&password, dummy_hash());
                false
            }
        })
        .await
        .unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_and_verify_round_trip_with_owasp_parameters() {
        let h = hash_blocking("correct horse battery staple").unwrap_or_default();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify_blocking("correct horse battery staple", &h));
        assert!(!verify_blocking("correct horse battery stapler", &h));
        assert!(!verify_blocking("x", "not a hash"));
    }
}
