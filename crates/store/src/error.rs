//! Store errors.

/// What went wrong in the metadata store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The database failed.
    #[error("metadata store: {0}")]
    Database(#[from] rusqlite::Error),
    /// A stored record could not be read back.
    #[error("metadata store holds an unreadable {what} record {id}: {reason}")]
    Corrupt {
        /// Which table.
        what: &'static str,
        /// Which row.
        id: String,
        /// The decoder's complaint.
        reason: String,
    },
    /// The database was written by a newer Keyward.
    #[error(
        "metadata store schema version {found} is newer than this Keyward understands \
         ({supported}); upgrade Keyward before opening it"
    )]
    SchemaTooNew {
        /// Version in the file.
        found: i64,
        /// Highest version this build knows.
        supported: i64,
    },
    /// The database file could not be created.
    #[error("metadata store file: {0}")]
    Io(std::io::Error),
    /// A transaction body asked to roll back; carries its reason.
    #[error("transaction rolled back: {0}")]
    Aborted(String),
}

impl StoreError {
    pub(crate) fn corrupt(
        what: &'static str,
        id: impl Into<String>,
    ) -> impl FnOnce(serde_json::Error) -> Self {
        let id = id.into();
        move |e| StoreError::Corrupt {
            what,
            id,
            reason: e.to_string(),
        }
    }
}
