//! Attachments: files in conversations (widget uploads, channel media, agents' files), ticket
//! comments and help-center articles.
//!
//! What is known about a file lives in the main database (`attachments`, schema v21); its
//! bytes live behind the files port (`Env::files`, by default the `attachments` SQLite
//! database). The bytes are written first and the row last, so a row always has its bytes; a
//! write that fails halfway deletes what it wrote. A file's type comes from its bytes
//! ([`sniff`]), never from its name or the client's word.
//!
//! The calls, for whoever brings a file in:
//! - bytes already in memory (a channel's media fetch): [`store`];
//! - a request body, as it streams in (an upload): [`store_stream`];
//! - a file a channel fetches later: [`create_pending`] now (the message shows a placeholder),
//!   then [`fill_pending`] with the bytes, or [`mark_failed`] when the fetch gives up;
//! - a message that carries files: [`attach_to_message`] inside the message's transaction;
//! - a link to it: [`download_url`] (signed, expiring; checked by [`link::verify`]);
//! - uploads nobody sent, removed once expired: [`sweep`].

mod bytes;
mod error;
mod intake;
pub mod limits;
pub mod link;
mod record;
pub mod sniff;
pub mod sweep;

pub use bytes::PART_BYTES;
pub use error::AttachmentError;
pub use intake::{fill_pending, store, store_stream, BodyStream, NewAttachment, NewUpload};
pub use link::{download_url, Audience};
pub use record::{
    attach_to_article, attach_to_comment, attach_to_message, by_public_id, create_pending,
    delete_upload, for_comments, for_messages, for_upload_tokens, mark_failed, Attachment, Status,
    Uploader,
};
pub use sniff::{sniff, FileType, Kind};
pub use sweep::remove_article_files;
