//! The data plane of an environment (tenant admin, environment user): SQL, files and CSV.
//!
//! File and CSV bodies are streamed: the request body flows through a `StreamReader` and a
//! `SyncIoBridge` into the engine on the blocking pool, and a file's content flows back
//! through a small bounded channel into the response body, so no file ever sits whole in
//! memory. An upload whose `Content-Length` exceeds the policy's `max_file_bytes` (E5) is
//! refused before its body is read; one without a length is cut off by the engine as soon
//! as it passes the limit, and nothing is stored.
//! Must never: log SQL text, parameters, rows, file names or content.

use std::io::{self, Write};

use axum::body::{Body, Bytes};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use futures_util::{stream, StreamExt};
use keyward_domain::rules::access::Action;
use keyward_engine::{EngineError, FileMeta, QueryResult, Value};
use keyward_storage::{CsvImportSummary, CsvOptions, StorageError};
use serde::Deserialize;
use tokio::sync::mpsc;
use tokio_util::io::{StreamReader, SyncIoBridge};

use crate::auth::Caller;
use crate::body::JsonBody;
use crate::error::ApiError;
use crate::routes::authorized_environment;
use crate::state::AppState;

/// Bytes per chunk of a streamed download.
const DOWNLOAD_CHUNK: usize = 64 * 1024;
/// Chunks buffered between the engine and the client.
const DOWNLOAD_QUEUE: usize = 4;

/// The body of `POST /environments/{e}/sql`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SqlBody {
    sql: String,
    #[serde(default)]
    params: Vec<Value>,
}

/// The query of `POST /environments/{e}/csv/{table}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CsvQuery {
    #[serde(default)]
    header: bool,
    #[serde(default)]
    create: bool,
}

/// `POST /environments/{e}/sql`.
pub(crate) async fn sql(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<SqlBody>,
) -> Result<Json<QueryResult>, ApiError> {
    let env = authorized_environment(&state, &caller, id, Action::WriteData).await?;
    let actor = caller.actor();
    let result = state
        .engine(move |e| e.sql(&actor, &env.id, &body.sql, &body.params))
        .await?;
    Ok(Json(result))
}

/// `GET /environments/{e}/files`.
pub(crate) async fn list_files(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<FileMeta>>, ApiError> {
    let env = authorized_environment(&state, &caller, id, Action::ReadData).await?;
    let actor = caller.actor();
    Ok(Json(
        state.engine(move |e| e.list_files(&actor, &env.id)).await?,
    ))
}

/// `PUT /environments/{e}/files/{name}`: the body streamed into the environment.
pub(crate) async fn put_file(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, name)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<FileMeta>, ApiError> {
    let env = authorized_environment(&state, &caller, id, Action::WriteData).await?;
    let limit = state.engine.policy().max_file_bytes;
    if declared_length(&headers)?.is_some_and(|length| length > limit) {
        let error = EngineError::from(StorageError::FileTooLarge { limit_bytes: limit });
        return Err(error.into());
    }
    let reader = body_reader(body);
    let actor = caller.actor();
    let meta = state
        .engine(move |e| e.put_file(&actor, &env.id, &name, reader))
        .await?;
    Ok(Json(meta))
}

/// `GET /environments/{e}/files/{name}`: the content streamed out. Errors found before
/// the first byte (no such file, a locked environment) are answered as errors; one found
/// later (a damaged file) aborts the response.
pub(crate) async fn get_file(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, name)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let env = authorized_environment(&state, &caller, id, Action::ReadData).await?;
    let actor = caller.actor();
    let engine = state.engine.clone();
    let (sender, mut receiver) = mpsc::channel(DOWNLOAD_QUEUE);
    let task = tokio::task::spawn_blocking(move || {
        let mut writer = ChannelWriter::new(sender);
        let result = engine.get_file(&actor, &env.id, &name, &mut writer);
        writer.conclude(&result);
        result
    });
    let Some(first) = receiver.recv().await else {
        let outcome = task.await.map_err(|e| ApiError::internal(e.to_string()))?;
        outcome?;
        return Ok(octet_stream(Body::empty()));
    };
    let rest = stream::unfold(receiver, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    });
    Ok(octet_stream(Body::from_stream(
        stream::once(async { first }).chain(rest),
    )))
}

/// `DELETE /environments/{e}/files/{name}`.
pub(crate) async fn delete_file(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, name)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let env = authorized_environment(&state, &caller, id, Action::WriteData).await?;
    let actor = caller.actor();
    state
        .engine(move |e| e.delete_file(&actor, &env.id, &name))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /environments/{e}/csv/{table}?header=…&create=…`: the body streamed in.
pub(crate) async fn import_csv(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, table)): Path<(String, String)>,
    query: Result<Query<CsvQuery>, QueryRejection>,
    body: Body,
) -> Result<Json<CsvImportSummary>, ApiError> {
    let env = authorized_environment(&state, &caller, id, Action::WriteData).await?;
    let Query(query) = query.map_err(|e| ApiError::invalid(e.body_text()))?;
    let options = CsvOptions {
        header: query.header,
        create_table: query.create,
    };
    let reader = body_reader(body);
    let actor = caller.actor();
    let summary = state
        .engine(move |e| e.import_csv(&actor, &env.id, &table, reader, options))
        .await?;
    Ok(Json(summary))
}

/// How long an upload may send nothing before it is abandoned: a stalled client would
/// otherwise hold its environment's write transaction.
const BODY_IDLE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// A request body as a blocking reader, for the engine on the blocking pool; a body that
/// stalls for [`BODY_IDLE_TIMEOUT`] fails the read, and the engine rolls back.
fn body_reader(body: Body) -> impl io::Read + Send + 'static {
    let chunks = stream::unfold(body.into_data_stream(), |mut body| async move {
        let item = match tokio::time::timeout(BODY_IDLE_TIMEOUT, body.next()).await {
            Ok(next) => next?.map_err(io::Error::other),
            Err(_) => Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "the upload sent nothing for 30 s and was abandoned",
            )),
        };
        Some((item, body))
    });
    SyncIoBridge::new(StreamReader::new(Box::pin(chunks)))
}

/// The `Content-Length` header, if sent.
fn declared_length(headers: &HeaderMap) -> Result<Option<u64>, ApiError> {
    let Some(value) = headers.get(CONTENT_LENGTH) else {
        return Ok(None);
    };
    let length = value.to_str().ok().and_then(|text| text.parse().ok());
    length
        .map(Some)
        .ok_or_else(|| ApiError::invalid("Content-Length is not a number"))
}

fn octet_stream(body: Body) -> Response {
    ([(CONTENT_TYPE, "application/octet-stream")], body).into_response()
}

/// A blocking writer that sends chunks down a bounded channel to the response body.
struct ChannelWriter {
    sender: mpsc::Sender<Result<Bytes, io::Error>>,
    buffer: Vec<u8>,
    started: bool,
}

impl ChannelWriter {
    fn new(sender: mpsc::Sender<Result<Bytes, io::Error>>) -> Self {
        Self {
            sender,
            buffer: Vec::with_capacity(DOWNLOAD_CHUNK),
            started: false,
        }
    }

    /// Sends what is buffered; fails when the client went away.
    fn send(&mut self) -> io::Result<()> {
        let chunk = Bytes::from(std::mem::replace(
            &mut self.buffer,
            Vec::with_capacity(DOWNLOAD_CHUNK),
        ));
        self.started = true;
        self.sender
            .blocking_send(Ok(chunk))
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the client went away"))
    }

    /// After the engine is done: an error after the first byte aborts the response.
    fn conclude<T>(&mut self, result: &Result<T, EngineError>) {
        if let Err(error) = result {
            if self.started {
                tracing::warn!(code = error.code(), "file download aborted");
                let _ = self
                    .sender
                    .blocking_send(Err(io::Error::other("the download failed")));
            }
        }
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buffer.extend_from_slice(data);
        if self.buffer.len() >= DOWNLOAD_CHUNK {
            self.send()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        self.send()
    }
}
