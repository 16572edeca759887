//! Result tables: printed to stdout as Markdown and appended to
//! `target/keyward-bench/<benchmark>.md`, each headed by the machine's load at that moment,
//! so `docs/benchmarks.md` can be filled from the files a run leaves.

use std::fmt::Write as _;
use std::fs::OpenOptions;
use std::io::Write as _;
use std::path::PathBuf;

/// One Markdown table of results.
#[derive(Debug)]
pub struct Table {
    title: String,
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
    notes: Vec<String>,
}

impl Table {
    /// An empty table with a title and its column headers.
    pub fn new(title: &str, headers: &[&str]) -> Self {
        Self {
            title: title.to_owned(),
            headers: headers.iter().map(|h| (*h).to_owned()).collect(),
            rows: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// Adds a row; cells beyond the headers are dropped, missing ones left blank.
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// Adds a line printed under the table.
    pub fn note(&mut self, note: impl Into<String>) {
        self.notes.push(note.into());
    }

    /// The table as Markdown.
    pub fn to_markdown(&self) -> String {
        let mut out = format!("### {}\n\n", self.title);
        out.push_str(&format!("| {} |\n", self.headers.join(" | ")));
        out.push_str(&format!("|{}\n", "---|".repeat(self.headers.len())));
        for row in &self.rows {
            let cells: Vec<&str> = (0..self.headers.len())
                .map(|i| row.get(i).map(String::as_str).unwrap_or(""))
                .collect();
            out.push_str(&format!("| {} |\n", cells.join(" | ")));
        }
        for note in &self.notes {
            let _ = write!(out, "\n{note}\n");
        }
        out
    }

    /// Prints the table and appends it to `target/keyward-bench/<bench>.md`.
    pub fn publish(&self, bench: &str) {
        let text = format!(
            "{}\n_load average: {}_\n",
            self.to_markdown(),
            load_average()
        );
        println!("\n{text}");
        if let Err(error) = append(bench, &text) {
            eprintln!("could not keep the results in target/keyward-bench: {error}");
        }
    }
}

/// `/proc/loadavg`'s first three fields, or `unknown`.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

/// Where result files go: `target/keyward-bench/`, beside the benchmark's own binary.
pub fn results_dir() -> PathBuf {
    // The binary runs from target/<profile>/deps/.
    std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.parent()?.parent()?.parent()?.to_path_buf()))
        .unwrap_or_else(std::env::temp_dir)
        .join("keyward-bench")
}

fn append(bench: &str, text: &str) -> std::io::Result<()> {
    let dir = results_dir();
    std::fs::create_dir_all(&dir)?;
    let mut file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join(format!("{bench}.md")))?;
    writeln!(file, "{text}")
}

/// A float with `digits` decimals, for table cells.
pub fn fixed(value: f64, digits: usize) -> String {
    format!("{value:.digits$}")
}
