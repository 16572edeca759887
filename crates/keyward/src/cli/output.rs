//! How results are shown: JSON with `--json`, otherwise short tables for people.

use serde_json::Value;

/// Prints `value` as JSON, or as a table of `columns` (for an array of objects) or a list
/// of `key: value` lines (for one object).
pub fn show(json: bool, value: &Value, columns: &[&str]) {
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(value).unwrap_or_default()
        );
        return;
    }
    match value {
        Value::Array(items) => table(items, columns),
        Value::Object(_) => object(value, columns),
        Value::Null => {}
        other => println!("{}", cell(other)),
    }
}

fn object(value: &Value, columns: &[&str]) {
    let width = columns.iter().map(|c| c.len()).max().unwrap_or(0);
    for column in columns {
        println!("{column:width$}  {}", cell(lookup(value, column)));
    }
}

fn table(items: &[Value], columns: &[&str]) {
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|item| columns.iter().map(|c| cell(lookup(item, c))).collect())
        .collect();
    let widths: Vec<usize> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            rows.iter()
                .map(|r| r[i].len())
                .chain([c.len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: Vec<String>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:w$}"))
            .collect();
        println!("{}", padded.join("  ").trim_end());
    };
    line(columns.iter().map(|c| c.to_uppercase()).collect());
    for row in rows {
        line(row);
    }
}

/// A field by dotted path (`status.status`).
fn lookup<'a>(value: &'a Value, path: &str) -> &'a Value {
    path.split('.')
        .fold(value, |v, key| v.get(key).unwrap_or(&Value::Null))
}

fn cell(value: &Value) -> String {
    match value {
        Value::Null => "-".into(),
        Value::String(s) => s.clone(),
        Value::Object(map) if map.len() == 1 && map.contains_key("base64") => {
            format!("<blob {}>", map["base64"].as_str().unwrap_or(""))
        }
        other => other.to_string(),
    }
}
