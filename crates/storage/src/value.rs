//! SQL values as they cross the API: parameters in, result cells out.
//!
//! A [`Value`] maps one-to-one onto SQLite's storage classes and onto JSON: `null`, a number,
//! a string, or for a blob an object `{"base64": "…"}` so blobs and text stay distinct. This
//! module only converts; it must never log values, which are user data.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use rusqlite::types::{ToSqlOutput, ValueRef};
use serde::de::{self, Deserializer};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};

/// One SQL value: a parameter or a result cell.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// SQL `NULL`.
    Null,
    /// A 64-bit signed integer.
    Integer(i64),
    /// A 64-bit float.
    Real(f64),
    /// UTF-8 text.
    Text(String),
    /// Raw bytes; in JSON `{"base64": "…"}`.
    Blob(Vec<u8>),
}

impl Value {
    /// Copies a cell out of a result row.
    pub(crate) fn from_sql(cell: ValueRef<'_>) -> Self {
        match cell {
            ValueRef::Null => Value::Null,
            ValueRef::Integer(i) => Value::Integer(i),
            ValueRef::Real(f) => Value::Real(f),
            ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
            ValueRef::Blob(b) => Value::Blob(b.to_vec()),
        }
    }
}

impl Value {
    /// Roughly how many bytes the value holds, for result-size bounds.
    pub(crate) fn approximate_size(&self) -> usize {
        match self {
            Value::Null | Value::Integer(_) | Value::Real(_) => 8,
            Value::Text(t) => t.len(),
            Value::Blob(b) => b.len(),
        }
    }
}

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(match self {
            Value::Null => ValueRef::Null,
            Value::Integer(i) => ValueRef::Integer(*i),
            Value::Real(f) => ValueRef::Real(*f),
            Value::Text(t) => ValueRef::Text(t.as_bytes()),
            Value::Blob(b) => ValueRef::Blob(b),
        }))
    }
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Null => serializer.serialize_none(),
            Value::Integer(i) => serializer.serialize_i64(*i),
            Value::Real(f) => serializer.serialize_f64(*f),
            Value::Text(t) => serializer.serialize_str(t),
            Value::Blob(b) => {
                let mut map = serializer.serialize_map(Some(1))?;
                map.serialize_entry("base64", &BASE64.encode(b))?;
                map.end()
            }
        }
    }
}

/// The JSON shapes a value may arrive in.
#[derive(Deserialize)]
#[serde(untagged)]
enum Wire {
    Null,
    Integer(i64),
    Real(f64),
    Text(String),
    Blob { base64: String },
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(match Wire::deserialize(deserializer)? {
            Wire::Null => Value::Null,
            Wire::Integer(i) => Value::Integer(i),
            Wire::Real(f) => Value::Real(f),
            Wire::Text(t) => Value::Text(t),
            Wire::Blob { base64 } => Value::Blob(
                BASE64
                    .decode(base64)
                    .map_err(|_| de::Error::custom("blob is not valid base64"))?,
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_through_json_with_blobs_as_base64() {
        let values = vec![
            Value::Null,
            Value::Integer(-7),
            Value::Real(1.5),
            Value::Text("hi".into()),
            Value::Blob(vec![0, 255]),
        ];
        let json = serde_json::to_string(&values).unwrap();
        assert_eq!(json, r#"[null,-7,1.5,"hi",{"base64":"AP8="}]"#);
        let back: Vec<Value> = serde_json::from_str(&json).unwrap();
        assert_eq!(back, values);
    }
}
