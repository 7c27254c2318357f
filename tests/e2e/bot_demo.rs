//! The bot the engine tests, the API tests, the benchmark and docs/bot.md's example share.

use serde_json::json;
use spindesk_core::bot::Bot;

pub fn demo_bot() -> Bot {
    serde_json::from_value(json!({
        "name": "Shop bot",
        "greeting": {"suggestions": ["order-status", "refund"]},
        "variables": [{"name": "plan", "value": "free"}],
        "allowed_hosts": ["shop.example.com"],
        "schedules": [{"id": "seoul", "name": "Seoul support", "time_zone": "Asia/Seoul",
            "hours": [{"days": ["mon", "tue", "wed", "thu", "fri"], "open": "09:00", "close": "18:00"}],
            "holidays": [{"date": "2026-03-02", "name": "Independence Movement Day (substitute)"}]}],
        "answers": [
            {"id": "order-status", "name": "Order status", "label": {"en": "Order status", "ko": "주문 조회"},
             "phrases": {"en": ["where is my order", "track my order"], "ko": ["주문 조회", "배송 조회"]},
             "steps": [
                {"type": "ask_for_details", "id": "ask", "text": "I can look that up.", "fields": [
                    {"variable": "email", "kind": "email", "label": "What's your email?",
                     "ticket_field": "requester.email"},
                    {"variable": "order_id", "kind": "text", "label": "Your order number? (like A-1234)",
                     "pattern": "[A-Z]-\\d{4}", "ticket_field": "custom_fields.360001"}],
                 "next": "lookup"},
                {"type": "make_api_call", "id": "lookup", "method": "GET",
                 "url": "https://shop.example.com/orders/{{order_id}}?email={{email}}",
                 "headers": {"authorization": "Bearer shop-key"},
                 "save": [{"variable": "status", "path": "order.status"},
                          {"variable": "eta", "path": "order.eta"}],
                 "success": "is-shipped", "failure": "sorry"},
                {"type": "branch_by_condition", "id": "is-shipped", "branches": [
                    {"name": "shipped", "conditions": [{"variable": "status", "operator": "is", "value": "shipped"}],
                     "next": "say-shipped"}],
                 "else": "say-status"},
                {"type": "send_message", "id": "say-shipped", "text": "Order {{order_id}} is on its way, arriving {{eta}}."},
                {"type": "send_message", "id": "say-status", "text": "Order {{order_id}} is {{status}}."},
                {"type": "send_message", "id": "sorry", "text": "I couldn't reach the order system.", "next": "to-talk"},
                {"type": "link_answer", "id": "to-talk", "answer": "talk"}
             ]},
            {"id": "refund", "name": "Refund", "label": {"en": "Refunds", "ko": "환불"},
             "phrases": {"en": ["I want a refund", "refund please"], "ko": ["환불하고 싶어요"]},
             "steps": [
                {"type": "present_options", "id": "how", "text": "How did you pay?", "options": [
                    {"label": "Card", "next": "card"},
                    {"label": "Bank transfer", "next": "bank"},
                    {"label": "Other"}]},
                {"type": "set_variable", "id": "card", "variable": "method", "value": "card", "next": "explain"},
                {"type": "set_variable", "id": "bank", "variable": "method", "value": "bank", "next": "explain"},
                {"type": "send_message", "id": "explain", "text": "Refunds to your {{method}} take 3 days.", "next": "resolved"},
                {"type": "ask_if_resolved", "id": "resolved", "yes": "bye", "no": "tag"},
                {"type": "send_message", "id": "bye", "text": "Happy to help!"},
                {"type": "add_tags", "id": "tag", "tags": ["refund", "via {{method}}"], "next": "handoff"},
                {"type": "transfer_to_agent", "id": "handoff", "text": "A refunds specialist will take over.",
                 "tags": ["Plan {{plan}}"]}
             ]},
            {"id": "talk", "name": "Talk to us",
             "phrases": {"en": ["Talk to us", "contact the shop"], "ko": ["문의하기"]},
             "steps": [
                {"type": "business_hours", "id": "hours", "schedule": "seoul", "open": "now", "closed": "closed"},
                {"type": "transfer_to_agent", "id": "now"},
                {"type": "send_message", "id": "closed", "text": "We're closed now (Mon-Fri 9-18 KST).", "next": "details"},
                {"type": "ask_for_details", "id": "details", "fields": [
                    {"variable": "customer.name", "kind": "name", "label": "Your name?", "ticket_field": "requester.name"},
                    {"variable": "phone", "kind": "phone", "label": "A phone number we can call? (optional)", "required": false},
                    {"variable": "topic", "kind": "select", "label": "What is it about?",
                     "options": ["Billing", "Shipping"], "ticket_field": "subject"},
                    {"variable": "qty", "kind": "number", "label": "How many items?", "min": 1, "max": 99}],
                 "next": "later"},
                {"type": "transfer_to_agent", "id": "later", "text": "Thanks {{customer.name}}, we'll reply when we open.",
                 "tags": ["after_hours", "topic_{{topic}}"]}
             ]},
            {"id": "password", "name": "Password help",
             "phrases": {"en": ["I forgot my password", "reset my password"], "ko": ["비밀번호를 잊어버렸어요"]},
             "steps": [
                {"type": "show_articles", "id": "fixed", "text": "Start here:", "article_ids": [1, 2], "next": "searched"},
                {"type": "show_articles", "id": "searched", "search": "password {{conversation.last_message}}"}
             ]},
            {"id": "cancel-order", "name": "Cancel an order", "phrases": {"en": ["cancel my order"]},
             "steps": [{"type": "send_message", "id": "s", "text": "Cancelled."}]},
            {"id": "change-order", "name": "Change an order", "phrases": {"en": ["change my order"]},
             "steps": [{"type": "send_message", "id": "s", "text": "Changed."}]}
        ]
    }))
    .expect("demo bot parses")
}
