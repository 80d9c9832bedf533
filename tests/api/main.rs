//! One integration-test binary (faster to link than one per file).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod agency_profile;
mod audit;
mod auth;
mod authz;
mod bidding;
mod browser;
mod calendar;
mod catalogue;
mod contracts;
mod credit;
mod fixtures;
mod fulfilment;
mod helpers;
mod i18n;
mod instances;
mod library;
mod mail;
mod migrations;
mod publication;
mod sanctions;
mod security;
mod selection_result;
mod smtp;
mod supervise;
mod webdriver;
