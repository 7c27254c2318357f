//! Synonyms: words customers use for what the articles call something else. When a query
//! contains one phrase of a group, the group's other phrases are searched too (as phrases:
//! `money back` matches those two words in a row, not `back` anywhere), as alternatives of the
//! matched terms. The help-center index counts every multi-term phrase of these groups as a
//! unit of its own (`text::phrases`), so an edit here changes the index: it rebuilds itself
//! (`help_center::index::index_version` fingerprints the phrases).
//!
//! Requests read the groups analysed (`synonym_terms.rs`, written from this file), not this
//! file: after an edit, `SPINDESK_REGENERATE=1 cargo test -p spindesk-core synonym_terms`
//! writes it anew, and until then that test fails.
//!
//! Keep groups to true equivalents of support vocabulary; a loose group (`app` ~ `program`)
//! makes every query about one match articles about the other. Phrases are analysed like any
//! text, so `log in` also matches `logging in`, and `비밀번호` matches `비밀번호를`.

pub(super) const GROUPS: &[&[&str]] = &[
    // English
    &["password", "passcode", "passwd", "pwd"],
    &["login", "log in", "sign in", "signin", "log on", "logon"],
    &["logout", "log out", "sign out", "signout"],
    &["sign up", "signup", "register", "registration"],
    &[
        "refund",
        "money back",
        "reimburse",
        "reimbursement",
        "repayment",
    ],
    &["cancel", "cancellation", "unsubscribe", "terminate"],
    &["delete", "remove", "erase"],
    &["shipping", "delivery", "shipment", "postage"],
    &["tracking", "track", "trace"],
    &["invoice", "receipt", "bill"],
    &["email", "e-mail", "e mail"],
    &["phone", "mobile", "cellphone", "smartphone"],
    &["app", "application"],
    &[
        "2fa",
        "two-factor",
        "two factor",
        "mfa",
        "multi-factor",
        "otp",
        "verification code",
    ],
    &["package", "parcel"],
    &["broken", "damaged", "defective", "faulty"],
    &["coupon", "promo code", "discount code", "voucher"],
    &["subscription", "membership"],
    &["exchange", "swap"],
    &["username", "user name", "user id"],
    // Korean
    &["비밀번호", "비번", "패스워드", "암호"],
    &["로그인", "접속"],
    &["회원가입", "가입"],
    &["환불", "환급", "돈을 돌려"],
    &["취소", "해지", "철회"],
    &["탈퇴", "계정 삭제", "회원 탈퇴"],
    &["배송", "택배", "배달"],
    &["운송장", "송장", "배송 조회"],
    &["영수증", "인보이스", "전표"],
    &["결제", "지불", "페이"],
    &["교환", "바꾸"],
    &["반품", "반송"],
    &["쿠폰", "할인 코드", "프로모션 코드"],
    &["이메일", "메일", "전자우편"],
    &["휴대폰", "핸드폰", "휴대전화", "스마트폰"],
    &["앱", "어플", "애플리케이션", "어플리케이션"],
    &["2단계 인증", "2차 인증", "이중 인증", "otp"],
    &["구독", "멤버십", "정기결제"],
    // Verb forms as customers write them: 깨져(서), 깨진, 깨졌(어요) are not 깨짐 to the bigrams.
    &["파손", "깨짐", "깨져", "깨진", "깨졌", "불량", "고장"],
    &["주소", "배송지"],
    &["아이디", "계정명"],
];
