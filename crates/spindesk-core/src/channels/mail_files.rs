//! An inbound e-mail's files stored as attachments of the customer's message, inside the
//! webhook's transaction (its bytes came with it: there is nothing to fetch later, unlike
//! the other channels' media).
//!
//! A file is held to the upload rules — its type from its bytes (`attachments::sniff`), at
//! most `attachment_max_bytes` — but a file refused is never a reason to refuse the e-mail:
//! it is skipped, and a note in the message names it and says why, so the customer's text
//! always arrives and the agent knows what is missing.

use super::channel::MailFile;
use super::email::files::skipped;
use crate::attachments::{self, AttachmentError, NewAttachment, Uploader};
use crate::error::{Error, Result};
use crate::ports::Env;
use crate::store::Db;

/// Stores `files` as attachments of conversation `conversation_id` (not yet of a message:
/// link them with `attachments::attach_to_message` once it is written). The public ids of
/// those stored, and a note for each one skipped.
///
/// A database error fails the e-mail (a busy database: Postmark delivers it again, and the
/// transaction that rolls back leaves no row). A file's bytes are written to the files port
/// before its row, so a rollback leaves bytes nothing refers to, which are never served.
pub fn store(
    env: &Env,
    db: &Db,
    conversation_id: i64,
    files: &[MailFile],
) -> Result<(Vec<String>, Vec<String>)> {
    let mut ids = Vec::new();
    let mut notes = Vec::new();
    for file in files {
        let stored = attachments::store(
            env,
            db,
            NewAttachment {
                conversation_id: Some(conversation_id),
                uploader: Uploader::Channel,
                file_name: &file.name,
                bytes: &file.bytes,
            },
        );
        match stored {
            Ok(attachment) => ids.push(attachment.public_id),
            Err(AttachmentError::Sql(e)) => return Err(Error::Sql(e)),
            // The attachments database failing is the operator's to fix; the e-mail's text
            // still arrives, saying a file is missing.
            Err(AttachmentError::Files(e)) => {
                env.warn("email.attachment", &e);
                notes.push(skipped(&file.name, "it could not be stored"));
            }
            Err(refused) => notes.push(skipped(&file.name, &refused.to_string())),
        }
    }
    Ok((ids, notes))
}
