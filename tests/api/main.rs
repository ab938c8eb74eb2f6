//! Black-box tests: the real app on a random port against real PostgreSQL and Redis.

mod fixtures;
mod helpers;
mod smtp_sink;

mod auth;
mod browser;
mod cli;
mod codes;
mod earning;
mod field;
mod figures;
mod grids;
mod hardening;
mod health;
mod imports;
mod migrations;
mod news;
mod open311;
mod openapi;
mod points;
mod points_model;
mod print;
mod redis_cluster;
mod redis_restart;
mod report_quota;
mod reports;
mod residents;
mod scan;
mod schemathesis;
mod shed;
