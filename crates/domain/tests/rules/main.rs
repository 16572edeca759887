//! The rules engine's tests, through the crate's public API only, one module per rule
//! family and each test named after the SPEC rule it proves. Time is fixed instants.

// Test helpers panic on purpose: a fixture that cannot be built is a broken test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod access;
mod activation;
mod database;
mod environment;
mod keys;
mod lock;
mod policy;
mod support;
mod unlock;
