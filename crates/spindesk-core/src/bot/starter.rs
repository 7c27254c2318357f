//! The starter bot a fresh install runs until the admin publishes their own: it greets in the
//! conversation's language (English and Korean texts), shows featured help-center articles under
//! the greeting, offers "Talk to a person", answers questions from the help center, and hands
//! off when asked.

use super::model::{Bot, Text};

pub fn starter_bot() -> Bot {
    let mut bot = Bot {
        name: "Starter bot".into(),
        ..Bot::default()
    };
    bot.greeting.text = Text::en_ko(
        "Hi! I'm the Spindesk bot. Ask me anything, or talk to a person.",
        "안녕하세요! Spindesk 봇입니다. 무엇이든 물어보시거나 상담원과 이야기하세요.",
    );
    bot.greeting.featured_articles = 3;
    bot
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_starter_bot_is_valid() {
        assert_eq!(
            crate::bot::validate::validate(&starter_bot(), &Default::default()),
            vec![]
        );
    }
}
