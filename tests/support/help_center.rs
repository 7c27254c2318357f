//! Help-center content for tests, written through the Help Center API as the admin.

use crate::{json, App, Json};

const HC: &str = "help-center";

impl App {
    fn hc_create(&self, path: &str, body: Json, key: &str) -> i64 {
        self.request(HC, "POST", path)
            .admin()
            .json(&body)
            .send()
            .expect(201)
            .json()[key]["id"]
            .as_i64()
            .expect("id")
    }

    /// A category with one section in `locale`; returns the section id.
    pub fn hc_section(&self, locale: &str, name: &str) -> i64 {
        let category = self.hc_create(
            &format!("/api/v2/help_center/{locale}/categories"),
            json!({"category": {"name": name}}),
            "category",
        );
        self.hc_create(
            &format!("/api/v2/help_center/{locale}/categories/{category}/sections"),
            json!({"section": {"name": name}}),
            "section",
        )
    }

    /// An article (`{"title", "body", ...}` as the API takes it) in `section`; returns its id.
    pub fn hc_article(&self, locale: &str, section: i64, article: Json) -> i64 {
        self.hc_create(
            &format!("/api/v2/help_center/{locale}/sections/{section}/articles"),
            json!({ "article": article }),
            "article",
        )
    }

    /// Updates an article (`{"draft": true}`, ...).
    pub fn hc_update(&self, id: i64, changes: Json) {
        self.request(HC, "PUT", &format!("/api/v2/help_center/articles/{id}"))
            .admin()
            .json(&json!({ "article": changes }))
            .send()
            .expect(200);
    }
}

/// The articles of [`App::shop_help_center`].
pub struct ShopArticles {
    pub refund_en: i64,
    pub shipping_en: i64,
    pub address_en: i64,
    pub password_en: i64,
    /// A draft about refunds: never shown to customers.
    pub draft_en: i64,
    pub refund_ko: i64,
    pub password_ko: i64,
}

impl App {
    /// A small shop's help center in English (`en-us`) and Korean (`ko`); the shipping article
    /// and the Korean password article are promoted.
    pub fn shop_help_center(&self) -> ShopArticles {
        let en = self.hc_section("en-us", "Orders");
        let ko = self.hc_section("ko", "주문");
        ShopArticles {
            refund_en: self.hc_article("en-us", en, json!({
                "title": "How to get a refund",
                "body": "<p>Refunds go back to the card or bank account you paid with, within 3 business days. Open <b>Orders</b>, pick the order and choose <i>Request a refund</i>.</p>",
                "label_names": ["refund", "returns"]})),
            shipping_en: self.hc_article("en-us", en, json!({
                "title": "Shipping times and costs",
                "body": "<p>Standard delivery takes 2 to 4 business days and is free over $50. Express delivery arrives the next day.</p>",
                "label_names": ["shipping", "delivery"], "promoted": true})),
            address_en: self.hc_article("en-us", en, json!({
                "title": "Change the delivery address of an order",
                "body": "<p>You can change where an order goes until it ships: open Orders, pick the order, choose Edit address.</p>"})),
            password_en: self.hc_article("en-us", en, json!({
                "title": "Reset your password",
                "body": "<p>On the sign-in page choose Forgot password and follow the link we email you.</p>",
                "label_names": ["password", "login"]})),
            draft_en: self.hc_article("en-us", en, json!({
                "title": "Refund policy changes (internal draft)",
                "body": "<p>Refunds will take 10 days from next month.</p>",
                "label_names": ["refund"], "draft": true})),
            refund_ko: self.hc_article("ko", ko, json!({
                "title": "환불 받는 방법",
                "body": "<p>결제하신 카드나 계좌로 영업일 기준 3일 이내에 환불됩니다. 주문 내역에서 주문을 고른 뒤 환불 요청을 누르세요.</p>",
                "label_names": ["환불"]})),
            password_ko: self.hc_article("ko", ko, json!({
                "title": "비밀번호 재설정",
                "body": "<p>로그인 화면에서 비밀번호 찾기를 누르고 이메일로 받은 링크를 따라가세요.</p>",
                "promoted": true})),
        }
    }
}
