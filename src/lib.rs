//! 中介服务网上超市 — the intermediary-service online marketplace.
//!
//! Layers (see ARCHITECTURE.md): `routes` (thin handlers) → `domain` (pure rules) and
//! `models` (queries) → `db` (one connection type over SQLite and PostgreSQL).

pub mod auth;
pub mod backup;
pub mod cli;
pub mod clock;
pub mod config;
pub mod db;
pub mod demo;
pub mod domain;
pub mod error;
pub mod i18n;
pub mod jobs;
pub mod mail;
pub mod models;
pub mod routes;
pub mod startup;
pub mod telemetry;
pub mod uploads;
pub mod web;
