//! 中介服务网上超市 — the intermediary-service online marketplace.
//!
//! One folder per feature (`catalogue`, `library`, `credit`, `selection`, `contracts`,
//! `accounts`, `home`), each with its handlers (`routes`) and its queries (`store`); the
//! shared platform in `web`, `db`, `auth`, `mail`, `jobs`, `audit`, `uploads`; the pure rules
//! in `domain`. See ARCHITECTURE.md.

pub mod accounts;
pub mod audit;
pub mod auth;
pub mod backup;
pub mod catalogue;
pub mod cli;
pub mod clock;
pub mod complaints;
pub mod config;
pub mod contracts;
pub mod credit;
pub mod db;
pub mod demo;
pub mod domain;
pub mod error;
pub mod home;
pub mod i18n;
pub mod inspections;
pub mod jobs;
pub mod library;
pub mod mail;
pub mod ocds;
pub mod opendata;
pub mod selection;
pub mod startup;
pub mod stats;
pub mod supervision;
pub mod telemetry;
pub mod uploads;
pub mod web;
