//! `keyward job show|wait ID`, and the waiting every long command does.
//!
//! On a terminal, waiting draws a progress bar; otherwise it prints a plain line whenever
//! the job's progress changes, so logs of scripts stay readable.

use std::io::IsTerminal;
use std::thread::sleep;
use std::time::Duration;

use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::Value;

use super::client::{segment, Api};
use super::output::show;

/// How often a waiting client polls.
const POLL: Duration = Duration::from_millis(250);

/// The verbs of `keyward job`.
#[derive(Subcommand)]
pub enum JobCommand {
    /// Show a job's state and progress.
    Show(JobArgs),
    /// Wait for a job to finish, showing progress.
    Wait(JobArgs),
}

/// A job by id.
#[derive(Args)]
pub struct JobArgs {
    /// The job's id.
    id: String,
}

/// Columns shown for a job.
pub const JOB_COLUMNS: &[&str] = &["id", "kind", "state", "done", "total", "error"];

/// Runs one `keyward job` command.
pub fn run(api: &Api, command: JobCommand) -> anyhow::Result<()> {
    match command {
        JobCommand::Show(args) => {
            show(
                api.json,
                &api.get(&format!("/jobs/{}", segment(&args.id)))?,
                JOB_COLUMNS,
            );
            Ok(())
        }
        JobCommand::Wait(args) => {
            let job = api.get(&format!("/jobs/{}", segment(&args.id)))?;
            finish(api, job, true)
        }
    }
}

/// Shows a job just started, waits for it unless `wait` is false, and fails when it did.
pub fn finish(api: &Api, job: Value, wait: bool) -> anyhow::Result<()> {
    let job = if wait { wait_for(api, job)? } else { job };
    show(api.json, &job, JOB_COLUMNS);
    if job["state"] == "failed" {
        let id = job["id"].as_str().unwrap_or("?");
        let reason = job["error"].as_str().unwrap_or("no reason given");
        return Err(crate::cli::Failed(format!("job {id} failed: {reason}")).into());
    }
    Ok(())
}

/// Polls until the job succeeded or failed.
fn wait_for(api: &Api, mut job: Value) -> anyhow::Result<Value> {
    let id = job["id"].as_str().unwrap_or_default().to_owned();
    let bar = (!api.json && std::io::stderr().is_terminal()).then(|| progress_bar(&id));
    let mut last = (String::new(), 0);
    loop {
        let state = job["state"].as_str().unwrap_or_default().to_owned();
        let done = job["done"].as_u64().unwrap_or(0);
        let total = job["total"].as_u64().unwrap_or(0);
        match &bar {
            Some(bar) => {
                bar.set_length(total.max(done));
                bar.set_position(done);
            }
            None if (state.clone(), done) != last && !api.json => {
                eprintln!("job {id}: {state} {done}/{total}");
            }
            None => {}
        }
        last = (state.clone(), done);
        if state == "succeeded" || state == "failed" {
            if let Some(bar) = bar {
                bar.finish_and_clear();
            }
            return Ok(job);
        }
        sleep(POLL);
        job = api.get(&format!("/jobs/{}", segment(&id)))?;
    }
}

fn progress_bar(id: &str) -> ProgressBar {
    let bar = ProgressBar::new(0);
    let style = ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len}")
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
    bar.set_style(style);
    bar.set_message(format!("job {id}"));
    bar
}
