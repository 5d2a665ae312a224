//! Folder export: a whole folder as one mboxrd stream or one zip of `.eml` files, fetched in
//! bounded batches so memory does not grow with the folder's messages.

use tokio::sync::mpsc;

use super::{Letterbox, ServiceError, UserSession};
use crate::imap::{ImapPool, byte_batches};
use crate::mail::mbox::write_mboxrd;
use crate::mail::zipstream::ZipStream;
use crate::secret::Credentials;

/// UIDs whose sizes are asked for in one round.
const UIDS_PER_ROUND: usize = 500;
/// At most this many message bytes are fetched at once (a larger message comes alone).
const BATCH_BYTES: u64 = 4 << 20;
/// Finished chunks (about a message each) waiting for a slow client before fetching pauses.
const CHUNKS_IN_FLIGHT: usize = 8;
/// Central directory entries written per chunk at the end of a zip.
const DIRECTORY_ENTRIES_PER_CHUNK: usize = 2048;

/// What the folder is exported as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// One mboxrd file (`application/mbox`).
    Mbox,
    /// A zip with one `.eml` per message (`application/zip`), stored uncompressed.
    Zip,
}

impl ExportFormat {
    /// `mbox` (also when absent) or `zip`; anything else (also an empty value) is invalid input
    /// naming `format`.
    pub fn parse(text: Option<&str>) -> Result<Self, ServiceError> {
        match text {
            None | Some("mbox") => Ok(Self::Mbox),
            Some("zip") => Ok(Self::Zip),
            Some(other) => Err(ServiceError::InvalidInput { field: "format", detail: format!("use mbox or zip, not {other:?}") }),
        }
    }

    /// The media type of the download.
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Mbox => "application/mbox",
            Self::Zip => "application/zip",
        }
    }

    fn extension(self) -> &'static str {
        match self {
            Self::Mbox => "mbox",
            Self::Zip => "zip",
        }
    }
}

/// A running export. Everything that can be refused (unknown or forbidden folder, mail server
/// down) was checked before this exists; the bytes follow through `chunks`.
#[derive(Debug)]
pub struct FolderExport {
    /// A download name made of the folder's name (`INBOX.mbox`).
    pub filename: String,
    pub format: ExportFormat,
    /// Messages in the folder when the export started.
    pub messages: usize,
    /// The archive in order. An `Err` means the export broke off (mail server gone, folder
    /// reset): the receiver must abort the download rather than end it as if complete.
    pub chunks: mpsc::Receiver<Result<Vec<u8>, ServiceError>>,
}

impl Letterbox {
    /// Starts exporting the folder `id` (an id or role alias the session may see; others are
    /// not found) as `format`. Reads with BODY.PEEK, so no message gets \Seen. Holds the UID
    /// list (4 bytes a message), at most [`BATCH_BYTES`] plus one message being fetched and
    /// [`CHUNKS_IN_FLIGHT`] chunks; a zip also keeps 24 bytes a message for its directory.
    pub async fn export_mailbox(&self, session: &UserSession, id: &str, format: ExportFormat) -> Result<FolderExport, ServiceError> {
        let path = self.resolve_mailbox(session, id).await?;
        let wanted = path.clone();
        let (selected, uids) = self
            .pool
            .run(&session.credentials, move |c| {
                let path = wanted.clone();
                Box::pin(async move { c.folder_uids(&path).await })
            })
            .await?;
        let (sender, chunks) = mpsc::channel(CHUNKS_IN_FLIGHT);
        let filename = format!("{}.{}", download_name(&path), format.extension());
        let messages = uids.len();
        let job = Job { pool: self.pool.clone(), credentials: session.credentials.clone(), path, uid_validity: selected.uid_validity };
        tokio::spawn(async move {
            if let Err(err) = job.run(uids, format, &sender).await {
                tracing::warn!(error = %err, "folder export broke off");
                let _ = sender.send(Err(err)).await;
            }
        });
        Ok(FolderExport { filename, format, messages, chunks })
    }
}

/// The folder's last name component with anything but letters, digits, `-` and `_` replaced.
fn download_name(path: &str) -> String {
    let last = path.rsplit(['/', '.']).next().filter(|s| !s.is_empty()).unwrap_or("mailbox");
    last.chars().map(|c| if c.is_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect()
}

/// The fetching side of an export, run on its own task.
struct Job {
    pool: std::sync::Arc<ImapPool>,
    credentials: Credentials,
    path: String,
    uid_validity: u32,
}

/// The client went away: nothing more to do, and nothing to report.
struct Gone;

impl Job {
    async fn run(
        &self,
        uids: Vec<u32>,
        format: ExportFormat,
        sender: &mpsc::Sender<Result<Vec<u8>, ServiceError>>,
    ) -> Result<(), ServiceError> {
        let send = |chunk: Vec<u8>| async move { sender.send(Ok(chunk)).await.map_err(|_| Gone) };
        let mut zip = ZipStream::new();
        for round in uids.chunks(UIDS_PER_ROUND) {
            let round = round.to_vec();
            let sizes = self
                .on_folder(move |c| {
                    let round = round.clone();
                    Box::pin(async move { c.fetch_sizes(&round).await })
                })
                .await?;
            for batch in byte_batches(&sizes, BATCH_BYTES) {
                let messages = self
                    .on_folder(move |c| {
                        let batch = batch.clone();
                        Box::pin(async move { c.fetch_raw_batch(&batch).await })
                    })
                    .await?;
                for message in messages {
                    let chunk = match format {
                        ExportFormat::Mbox => {
                            let mut out = Vec::with_capacity(message.raw.len() + message.raw.len() / 32 + 100);
                            write_mboxrd(&mut out, &message.raw, message.received_at);
                            out
                        }
                        ExportFormat::Zip => zip
                            .entry(message.uid, &message.raw, message.received_at)
                            .map_err(|detail| ServiceError::InvalidInput { field: "format", detail })?,
                    };
                    if send(chunk).await.is_err() {
                        return Ok(());
                    }
                }
            }
        }
        if format == ExportFormat::Zip {
            for chunk in zip.finish(DIRECTORY_ENTRIES_PER_CHUNK) {
                if send(chunk).await.is_err() {
                    return Ok(());
                }
            }
        }
        Ok(())
    }

    /// Runs `op` on a pooled connection with the folder selected (again: the connection may
    /// have served other requests between batches), failing if the folder was reset meanwhile.
    async fn on_folder<T, F>(&self, op: F) -> Result<T, ServiceError>
    where
        T: Send + 'static,
        F: Fn(&mut crate::imap::ImapConnection) -> futures::future::BoxFuture<'_, Result<T, crate::imap::ImapError>>
            + Send
            + Sync
            + 'static,
    {
        let op = std::sync::Arc::new(op);
        let uid_validity = self.uid_validity;
        let result = self
            .pool
            .run(&self.credentials, move |c| {
                let (op, path) = (op.clone(), self.path.clone());
                Box::pin(async move {
                    let selected = c.select(&path).await?;
                    if selected.uid_validity != uid_validity {
                        return Ok(None);
                    }
                    op(c).await.map(Some)
                })
            })
            .await?;
        result.ok_or_else(|| ServiceError::Conflict("the folder was reset on the mail server during the export".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::{ExportFormat, download_name};

    #[test]
    fn formats_and_names() {
        assert_eq!(ExportFormat::parse(None).unwrap(), ExportFormat::Mbox);
        assert_eq!(ExportFormat::parse(Some("zip")).unwrap(), ExportFormat::Zip);
        assert!(ExportFormat::parse(Some("tar")).is_err());
        assert!(ExportFormat::parse(Some("")).is_err());
        assert_eq!(download_name("INBOX"), "INBOX");
        assert_eq!(download_name("Archive/2024 Q1"), "2024_Q1");
        assert_eq!(download_name("a/\"x\r\n"), "_x__");
    }
}
