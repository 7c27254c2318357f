//! The step types, one file each: how the step is checked before a bot is saved (`check`) and
//! what it does when a flow reaches it (`run`). [`super::validate`] and [`super::engine`] only
//! pick the file by the step's type, so a new step type is a new file here plus its variant of
//! [`super::model::Step`].
//!
//! Steps that wait for the customer also say what the answer means (`present_options`,
//! `ask_if_resolved`, `ask_for_details`), and `make_api_call` where the flow goes once the call
//! is made: the engine hands the flow they return back to the loop that runs the steps.

pub mod add_tags;
pub mod ask_for_details;
pub mod ask_if_resolved;
pub mod branch_by_condition;
pub mod business_hours;
pub mod link_answer;
pub mod make_api_call;
pub mod present_options;
pub mod run_action;
pub mod send_message;
pub mod set_variable;
pub mod show_articles;
pub mod transfer_to_agent;
