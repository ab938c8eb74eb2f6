//! Black-box tests: the real app on a random port against real PostgreSQL and Redis.

mod helpers;

mod auth;
mod cli;
mod codes;
mod grids;
mod health;
mod imports;
mod news;
mod scan;
