//! The `keyward` binary: server and client in one.
//!
//! Everything happens in [`cli`]; `main` only turns its outcome into the process's exit
//! code.

mod cli;

fn main() -> std::process::ExitCode {
    cli::run()
}
