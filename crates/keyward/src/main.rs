//! The `keyward` binary: server and client in one.
fn main() {}
