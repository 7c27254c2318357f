//! HTTP plumbing shared by every surface: errors in each API family's envelope, request
//! parsing with limits, and JSON responses.

pub mod client_address;
mod error;
mod paging;
mod request;
mod response;

pub use error::{ApiError, Family};
pub use paging::{paginate, ListPage, MAX_PAGE_SIZE};
pub use request::{
    header, origin, query_pairs, query_param, read_json, segments, status_filter, Credentials,
};
pub use response::{json, json_status, no_content, paginate_offset, OffsetPage};
