//! Black-box tests: the real app on a random port against real PostgreSQL and Redis.

mod helpers;

mod health;
