//! What a ticket search is asked for besides its query: the order, the page, and who searches.

/// What the results are ordered by (Zendesk's `sort_by`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortBy {
    CreatedAt,
    #[default]
    UpdatedAt,
    Priority,
    Status,
    TicketType,
}

impl SortBy {
    pub const NAMES: &'static str = "created_at, updated_at, priority, status, ticket_type";

    pub fn parse(raw: &str) -> Option<SortBy> {
        Some(match raw {
            "created_at" => SortBy::CreatedAt,
            "updated_at" => SortBy::UpdatedAt,
            "priority" => SortBy::Priority,
            "status" => SortBy::Status,
            "ticket_type" => SortBy::TicketType,
            _ => return None,
        })
    }
}

/// The order and the page asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub sort_by: SortBy,
    pub descending: bool,
    pub offset: i64,
    pub limit: i64,
}

/// Who searches: `assignee:me` is them (`None` for the admin token, which is nobody).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Searcher {
    pub user_id: Option<i64>,
}
