//! Connects the channels to conversations (filled in with the conversation core).
