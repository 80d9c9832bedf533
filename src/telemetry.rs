//! Structured logs on stderr. `ZJ_LOG_FORMAT=json` for machine-readable lines; the level
//! from `RUST_LOG` (default `info`). Logs never carry passwords, tokens or full ID/phone
//! numbers: handlers log ids and outcomes, not form contents.

use tracing_subscriber::EnvFilter;

pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let json = std::env::var("ZJ_LOG_FORMAT").is_ok_and(|v| v == "json");
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}
