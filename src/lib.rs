//! 码上生活 Mashang: one QR code per door and shop. Scanning it lets residents report,
//! vote, earn and spend points and read community news; staff run the grids behind it.
//!
//! Layering (imports point one way): `startup` → `web` → domain (`grids`, `codes`,
//! `people`, `news`, `reports`, `figures`) → `db`, `config`, `error`, `i18n`. Domain modules never import `web`.

#[macro_use]
extern crate rust_i18n;

rust_i18n::i18n!("assets/locales", fallback = "zh-CN");

pub mod activities;
pub mod audit;
pub mod cli;
pub mod codes;
pub mod config;
pub mod db;
pub mod demo;
pub mod error;
pub mod figures;
pub mod grids;
pub mod i18n;
pub mod jobs;
pub mod news;
pub mod notify;
pub mod open311;
pub mod people;
pub mod points;
pub mod polls;
pub mod print;
pub mod redis_store;
#[cfg(test)]
mod refusal_words;
pub mod reports;
pub mod signed;
pub mod startup;
pub mod state;
pub mod storage;
pub mod telemetry;
pub mod web;
