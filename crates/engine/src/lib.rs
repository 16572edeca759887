//! Keyward's engine: every operation of the SPEC, carried out.
//!
//! The engine asks the rules (`keyward-domain`) what an operation may do, applies the
//! answer to the metadata store in one transaction with its audit event, and does the
//! work the answer describes: wrapping data keys, re-encrypting environments, destroying
//! private keys in the vault. Multi-step work runs as durable jobs whose progress is the
//! stored state itself, so a crash at any step is finished by running the job again.
//!
//! Layout: [`ops`] holds one file per family of operations, named by the SPEC's nouns;
//! [`envelope`](crate::envelope) wraps data keys; [`open_environments`](crate) keeps
//! unwrapped keys in memory only; [`layout`] says where files live.
//!
//! Must never: decide a rule itself (it calls `keyward_domain::rules`), keep a data key
//! anywhere but in memory, or write a file other than through crash-safe steps.

mod audit;
mod engine;
mod envelope;
mod error;
mod failpoint;
pub mod layout;
mod open_environments;
pub mod ops;
mod region;

pub use engine::{Engine, EngineConfig};
pub use error::EngineError;
pub use keyward_storage::{FileMeta, QueryResult, Value};
